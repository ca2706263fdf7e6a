from __future__ import annotations

from app.invoices.services import InvoiceService
from app.lib.deps import DbSession, RedisClient, RedisKeys


def provide_invoice_service(db_session: DbSession, redis: RedisClient, keys: RedisKeys) -> InvoiceService:
    return InvoiceService(session=db_session, redis=redis, keys=keys)
