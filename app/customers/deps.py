from __future__ import annotations

from app.customers.services import CustomerService
from app.lib.deps import DbSession


def provide_customer_service(db_session: DbSession) -> CustomerService:
    return CustomerService(db_session)
