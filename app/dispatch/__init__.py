"""Dispatch and courier cash (DESIGN §6): previews, trips, deliveries, courier balances and settlements.

The moves of an order onto and off the road (out for delivery, delivered, returned) are this domain's
flows through the orders' door (`flows.py`, with the plan's checks in `_plan.py` and the road lock in
`road_lock.py`; `repair.py` finishes what a crash interrupted). Around them: the API, the courier ledger
(`ledger.py`) and the cash-on-delivery payment (`cash_on_delivery.py`).

Decisions (DESIGN §6 leaves them open):
- Who collects: nothing for a `paid` order or a partner order (the partner collects from its customer and
  pays the branch through its own routing, so only the courier's fee applies); any other payment status is
  cash on delivery of the outstanding total (total less captured payments).
- Settle now squares the dispatch at the counter: the courier prepays the collection less their fee (or
  the branch pays the difference when the fee is larger), recorded as a `dispatch` settlement of the
  delivery's transactions with a branch cash movement of the net. Settle later leaves them open.
- Transactions are written only for amounts above zero (a paid order has no collection row).
- Delivered records `cash_collected` on the delivery (default: the amount to collect). A different amount
  is kept and audited with the difference; the courier's transactions stay as charged, and squaring the
  difference is the manager's decision.
- Returned: the customer paid nothing, so the collection goes; the fee stays (the ride was made). A
  collection still open (settled later) is voided by a `dispatch` settlement that moves no cash (net 0,
  note "returned…"). One already settled (settle now, or a settlement since) was paid by the courier, so
  the branch hands it back at once (a `dispatch` settlement of -collection, no transactions, cash out of
  the till). So a settlement's `net` is always the cash that changed hands, + when the courier paid the
  branch.
- An order out for delivery is returned before it can be cancelled (the transition table).
- Settlement ids: client-generated for single settlements (a retry answers 200 with the same settlement);
  derived from the delivery for dispatch and return settlements, and from the bulk id and the courier for
  bulk ones, so no retry can settle twice.
"""
