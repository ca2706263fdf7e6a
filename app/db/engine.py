"""Engine and session factory. One engine per process, built from `DatabaseSettings`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from app.db.session import Session
from app.settings import DatabaseSettings


def make_engine(settings: DatabaseSettings) -> AsyncEngine:
    return create_async_engine(
        settings.async_url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        # No ping per checkout: it is a round trip on every request. Connections are recycled instead, and
        # a dead one (PostgreSQL restarted) fails that one request and is replaced.
        pool_pre_ping=False,
        pool_recycle=1800,
        echo=settings.echo,
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Session]:
    # expire_on_commit=False: services return ORM rows after commit and controllers serialise them.
    return async_sessionmaker(engine, class_=Session, expire_on_commit=False, autoflush=False)
