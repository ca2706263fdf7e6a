"""Payments (DESIGN §7): tenders against orders, voids and refunds, the order's payment status in the hot
state, and the provider interface a gateway implements (`providers.py`, docs/payments.md).

It imports nothing eagerly: the order service imports `reads` and `schemas`, main.py imports
`app.payments.controllers`.
"""
