"""Per-user screen settings kept on the server (the kanban's filters follow a manager between devices).

A preference is one JSON object under a short key, owned by the user who stored it; nobody reads or
writes another user's preferences (the API has no user in its paths).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.db.models import UserPreference
from app.lib.errors import ApiError, unprocessable
from app.lib.i18n import _
from app.preferences.schemas import PreferenceOut

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.sessions import SessionUser

KEY_PATTERN = re.compile(r"[a-z0-9_.-]{1,64}")
MAX_VALUE_BYTES = 16 * 1024
# Screens store a handful of settings each; a cap keeps one account from filling the table.
MAX_KEYS_PER_USER = 100
_encoder = msgspec.json.Encoder()


def check_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise unprocessable("key", _("use 1 to 64 of a-z, 0-9, '_', '.' and '-'"))
    return key


def check_value(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise unprocessable("value", _("must be a JSON object"))
    encoded = _encoder.encode(value)
    if len(encoded) > MAX_VALUE_BYTES:
        raise ApiError(
            413,
            _(
                "value: %(encoded)s bytes as JSON; the limit is %(max_value_bytes)s",
                encoded=len(encoded),
                max_value_bytes=MAX_VALUE_BYTES,
            ),
            field="value",
        )
    # PostgreSQL's jsonb cannot hold a NUL character; refused here rather than failing in the database.
    if b"\\u0000" in encoded:
        raise unprocessable("value", _("text may not contain NUL characters"))
    return value


class PreferenceService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, *, key: str, actor: SessionUser) -> PreferenceOut:
        check_key(key)
        row = await self.session.get(UserPreference, (actor.user_id, key))
        if row is None:
            return PreferenceOut(key=key, value={}, updated_at=None)
        return PreferenceOut(key=key, value=row.value, updated_at=row.updated_at)

    async def put(self, *, key: str, value: Any, actor: SessionUser) -> PreferenceOut:
        check_key(key)
        stored = check_value(value)
        exists = await self.session.get(UserPreference, (actor.user_id, key))
        if exists is None:
            count = await self.session.scalar(
                select(func.count())
                .select_from(UserPreference)
                .where(UserPreference.user_id == actor.user_id)
            )
            if (count or 0) >= MAX_KEYS_PER_USER:
                raise unprocessable(
                    "key",
                    _(
                        "at most %(max_keys_per_user)s preferences per user",
                        max_keys_per_user=MAX_KEYS_PER_USER,
                    ),
                )
        # An upsert, so two tabs saving the same key at once both succeed (the last one wins).
        statement = pg_insert(UserPreference).values(user_id=actor.user_id, key=key, value=stored)
        row = (
            await self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=[UserPreference.user_id, UserPreference.key],
                    set_={"value": statement.excluded.value, "updated_at": func.now()},
                ).returning(UserPreference.updated_at)
            )
        ).one()
        await self.session.commit()
        return PreferenceOut(key=key, value=stored, updated_at=row[0])
