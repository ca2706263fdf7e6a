"""Card actions on the board (issue 6): cancel with the money decided, transfer to another branch.

The rules live in the order service (`app/orders/services/_actions.py`); this package holds their API.
Import `app.orders.actions.controllers` for the routes: this `__init__` stays empty so the service can
import the schemas without pulling in the controllers (which import the service).
"""
