"""Customers shared by every branch: lookup by phone or name at the POS, and creation at the counter."""

from app.customers.controllers import CustomerController
from app.customers.phones import normalise_phone
from app.customers.services import CustomerService

__all__ = ["CustomerController", "CustomerService", "normalise_phone"]
