"""Inventory: the stock ledger, recipes, suppliers and purchase orders, counts and transfers (DESIGN §11).

Sales and cancels write their ledger rows in the orders' own statements; everything else posts through
`ledger.post_moves`.
"""
