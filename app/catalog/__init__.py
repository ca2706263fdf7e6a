"""Catalog reads: products priced per branch, categories, stations, delivery territories and couriers."""

from app.catalog.controllers import CatalogController
from app.catalog.services import CatalogService

__all__ = ["CatalogController", "CatalogService"]
