"""Card actions on the board: cancel with the money decided, transfer to another branch (service.py), and
their API (controllers.py)."""
