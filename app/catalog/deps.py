from __future__ import annotations

from app.catalog.services import CatalogService
from app.lib.deps import DbSession


def provide_catalog_service(db_session: DbSession) -> CatalogService:
    return CatalogService(db_session)
