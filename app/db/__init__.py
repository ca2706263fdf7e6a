"""Database plumbing: declarative base and column types, engine and session factory.

Models live in `app.db.models` (imported separately so that importing the engine does not pull in every
table); migrations are applied with `app.db.migrate`.
"""

from app.db.base import Base, Money, Quantity, Rate
from app.db.engine import make_engine, make_sessionmaker

__all__ = ["Base", "Money", "Quantity", "Rate", "make_engine", "make_sessionmaker"]
