"""Shifts and the cash drawer (DESIGN §7): a cashier's shift on a till, its cash movements, the close with
counted amounts against the expected ones, and the Z report. main.py imports `app.shifts.controllers`."""
