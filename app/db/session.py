"""The session every unit of work uses: an AsyncSession that runs callbacks once its transaction commits.

This is Django's `transaction.on_commit` (which Zulip's `send_event_on_commit` is built on): whatever is
registered with `on_commit` during a transaction runs after that transaction commits, and is dropped if it
rolls back. The event bus registers its announcements here, so an event can never reach a screen before
the change it reports is durable, and a change that rolled back is never announced — by construction, not
by each service remembering to announce last.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session as SyncSession

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[None]]


class _Transactional(SyncSession):
    """The sync session under `Session`: keeps the callbacks of its open transaction and those of its last
    committed one. The listeners are the class's, registered once (a listener per session instance costs
    more than the rest of a request's session set-up)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Registered during the open transaction / its transaction committed, waiting to run.
        self.pending: list[AfterCommit] = []
        self.ready: list[AfterCommit] = []
        # What belongs to the open transaction (the event bus keeps its outbox here); emptied when the
        # transaction ends either way.
        self.transaction_info: dict[str, Any] = {}


@event.listens_for(_Transactional, "after_commit")
def _committed(session: _Transactional) -> None:
    session.ready.extend(session.pending)
    session.pending.clear()
    session.transaction_info.clear()


@event.listens_for(_Transactional, "after_rollback")
def _rolled_back(session: _Transactional) -> None:
    session.pending.clear()
    session.transaction_info.clear()


class Session(AsyncSession):
    sync_session_class = _Transactional
    sync_session: _Transactional

    @property
    def transaction_info(self) -> dict[str, Any]:
        return self.sync_session.transaction_info

    def on_commit(self, callback: AfterCommit) -> None:
        """Run `callback` after the current (or next) transaction of this session commits."""
        self.sync_session.pending.append(callback)

    async def commit(self) -> None:
        await super().commit()
        await self.run_after_commit()

    async def close(self) -> None:
        # A transaction committed through `session.begin()` left its callbacks ready; what never committed
        # is dropped with the transaction.
        await self.run_after_commit()
        pending = self.sync_session.pending
        if pending:
            log.debug("session closed with %d uncommitted announcements dropped", len(pending))
            pending.clear()
        await super().close()

    async def run_after_commit(self) -> None:
        ready = self.sync_session.ready
        while ready:
            callbacks = list(ready)
            ready.clear()
            for callback in callbacks:
                # Each runs after a durable change: one failing must not keep the others from running.
                try:
                    await callback()
                except Exception:
                    log.exception("an after-commit callback failed")
