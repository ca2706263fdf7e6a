"""Staff accounts from the back office: create, edit roles and branches, deactivate, reset a password or a
second factor, set a PIN; custom roles.

Who may do what:
- an admin manages everyone; a manager manages the people of their own branches, and only them (anyone
  else is a 404, like every other branch's record);
- nobody but an admin grants the admin role or touches an admin's account (403: the rule is no secret);
- whatever changes what a session may do (roles, branches, password, second factor, deactivation) ends
  that person's sessions at once: roles are copied into a session when it opens.
Every change is audited with the account before and after (never a password, PIN or secret).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, cast

import msgspec
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from app.auth.sessions import SessionStore, SessionUser
from app.db.models import Branch, BranchMembership, CustomRole, User, UserCustomRole, UserRole
from app.db.models.staff import ROLES
from app.lib import audit
from app.lib.deps import ScopedService
from app.lib.errors import conflict, unprocessable
from app.lib.i18n import _
from app.lib.params import count_rows, search_text
from app.lib.security import hash_password
from app.staff.people_schemas import (
    CustomRoleIn,
    CustomRoleOut,
    PasswordIn,
    PeoplePage,
    PermissionOut,
    PersonOut,
    PinIn,
    SessionsEnded,
    UserEdit,
    UserIn,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import ColumnElement

    from app.lib.params import PageRequest

ADMIN = "admin"
# What a custom role may be made of: everything a fixed role opens, except admin.
PERMISSIONS: dict[str, str] = {
    "cashier": _("Sell at the till"),
    "kitchen": _("Work the kitchen screens"),
    "courier": _("Deliver orders"),
    "manager": _("Manage branches, menu, customers and staff"),
    "hr": _("Staff records"),
}


def granted_roles(fixed: Sequence[str], custom_permissions: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """The roles a session carries: the fixed ones and those the person's custom roles grant."""
    roles = set(fixed)
    for permissions in custom_permissions:
        roles |= {p for p in permissions if p in PERMISSIONS}
    return tuple(sorted(roles))


class PeopleService(ScopedService):
    # ------------------------------------------------------------------ reads

    async def people(
        self,
        *,
        actor: SessionUser,
        q: str | None,
        branch_id: int | None,
        role: str | None,
        active: bool | None,
        page: PageRequest,
    ) -> PeoplePage:
        filters = self._visible(actor)
        if (text := search_text(q, key="q")) is not None:
            filters.append(
                or_(
                    User.username.icontains(text, autoescape=True),
                    User.full_name.icontains(text, autoescape=True),
                    User.employee_code.icontains(text, autoescape=True),
                )
            )
        if branch_id is not None:
            if not actor.can_see_branch(branch_id):
                raise NotFoundException(detail=_("Branch not found"))
            filters.append(
                User.id.in_(select(BranchMembership.user_id).where(BranchMembership.branch_id == branch_id))
            )
        if role is not None:
            filters.append(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
        if active is not None:
            filters.append(User.is_active.is_(active))
        total = await count_rows(self.session, select(User.id).where(*filters))
        users: Sequence[User] = []
        if page.offset < total:
            users = (
                await self.session.scalars(
                    select(User)
                    .where(*filters)
                    .options(*_loads())
                    .order_by(User.is_active.desc(), User.username)
                    .limit(page.page_size)
                    .offset(page.offset)
                )
            ).all()
        return PeoplePage(
            items=[await self._out(u) for u in users], page=page.page, page_size=page.page_size, total=total
        )

    async def person(self, *, actor: SessionUser, user_id: int) -> PersonOut:
        return await self._out(await self._target(actor, user_id, lock=False, touch=False))

    # ------------------------------------------------------------------ writes

    async def create(self, *, actor: SessionUser, data: UserIn) -> PersonOut:
        await self._check_grants(actor, data.roles, data.custom_role_ids, data.branch_ids)
        if await self.session.scalar(select(User.id).where(User.username == data.username)) is not None:
            raise conflict(_("username: %(username)s is taken", username=data.username), field="username")
        await self._refuse_taken_code(data.employee_code, None)
        user = User(
            username=data.username,
            password_hash=hash_password(data.password),
            full_name=data.full_name.strip(),
            employee_code=data.employee_code,
            phone=data.phone,
        )
        self.session.add(user)
        await self.session.flush()
        await self._set_grants(user.id, data.roles, data.custom_role_ids, data.branch_ids)
        user = await self._target(actor, user.id, lock=False, touch=False, scoped=False)
        self._audit("user.create", user.id, actor, before=None, after=await self._snapshot(user))
        await self.session.commit()
        return await self._out(user)

    async def edit(self, *, actor: SessionUser, user_id: int, data: UserEdit) -> SessionsEnded:
        user = await self._target(actor, user_id)
        await self._check_grants(actor, data.roles, data.custom_role_ids, data.branch_ids, target=user)
        await self._refuse_taken_code(data.employee_code, user.id)
        before = await self._snapshot(user)
        user.full_name = data.full_name.strip()
        user.employee_code = data.employee_code
        user.phone = data.phone
        await self._set_grants(user.id, data.roles, data.custom_role_ids, data.branch_ids)
        user = await self._target(actor, user.id, lock=False, touch=False, scoped=False)
        return await self._finish("user.update", user, actor, before, end_sessions=True)

    async def set_active(self, *, actor: SessionUser, user_id: int, active: bool) -> SessionsEnded:
        user = await self._target(actor, user_id)
        if user.id == actor.user_id and not active:
            raise unprocessable("user_id", _("you cannot deactivate yourself"))
        before = await self._snapshot(user)
        user.is_active = active
        return await self._finish(
            "user.activate" if active else "user.deactivate", user, actor, before, end_sessions=not active
        )

    async def reset_password(self, *, actor: SessionUser, user_id: int, data: PasswordIn) -> SessionsEnded:
        user = await self._target(actor, user_id)
        before = await self._snapshot(user)
        user.password_hash = hash_password(data.password)
        return await self._finish("user.password_reset", user, actor, before, end_sessions=True)

    async def reset_totp(self, *, actor: SessionUser, user_id: int) -> SessionsEnded:
        user = await self._target(actor, user_id)
        before = await self._snapshot(user)
        user.totp_secret = None
        return await self._finish("auth.totp_reset", user, actor, before, end_sessions=True)

    async def set_pin(self, *, actor: SessionUser, user_id: int, data: PinIn) -> PersonOut:
        user = await self._target(actor, user_id)
        before = await self._snapshot(user)
        user.pin_hash = hash_password(data.pin)
        user.pin_failures = 0
        user.pin_locked_at = None
        self._audit("user.pin_set", user.id, actor, before=before, after=await self._snapshot(user))
        await self.session.commit()
        return await self._out(user)

    # ------------------------------------------------------------------ custom roles

    def permissions(self) -> list[PermissionOut]:
        # Rendered now, in the request's language.
        return [PermissionOut(code=code, label=str(label)) for code, label in PERMISSIONS.items()]

    async def custom_roles(self) -> list[CustomRoleOut]:
        counts = dict(
            (
                await self.session.execute(
                    select(UserCustomRole.role_id, func.count()).group_by(UserCustomRole.role_id)
                )
            ).all()
        )
        rows = await self.session.scalars(select(CustomRole).order_by(CustomRole.name))
        return [
            CustomRoleOut(id=r.id, name=r.name, permissions=list(r.permissions), users=counts.get(r.id, 0))
            for r in rows
        ]

    async def save_custom_role(
        self, *, actor: SessionUser, role_id: int | None, data: CustomRoleIn
    ) -> CustomRoleOut:
        if ADMIN not in actor.roles:
            raise PermissionDeniedException(detail=_("Only an admin defines roles"))
        name = data.name.strip()
        unknown = sorted(set(data.permissions) - PERMISSIONS.keys())
        if unknown or not name:
            raise unprocessable(
                "permissions" if unknown else "name",
                _("unknown permissions %(unknown)s", unknown=unknown) if unknown else _("must not be blank"),
            )
        taken = await self.session.scalar(
            select(CustomRole.id).where(CustomRole.name == name, CustomRole.id != (role_id or 0))
        )
        if taken is not None:
            raise conflict(_("name: a role named %(name)s exists", name=name), field="name")
        row = (
            CustomRole(name=name)
            if role_id is None
            else await self.session.get(CustomRole, role_id, with_for_update=True)
        )
        if row is None:
            raise NotFoundException(detail=_("Role not found"))
        before = None if role_id is None else {"name": row.name, "permissions": list(row.permissions)}
        row.name = name
        row.permissions = sorted(set(data.permissions))
        self.session.add(row)
        await self.session.flush()
        audit.change(
            self.session,
            action="role.save",
            entity_type="custom_role",
            entity_id=row.id,
            actor_user_id=actor.user_id,
            before=before,
            after={"name": row.name, "permissions": row.permissions},
        )
        holders = list(
            await self.session.scalars(select(UserCustomRole.user_id).where(UserCustomRole.role_id == row.id))
        )
        await self.session.commit()
        # What the holders' sessions may do changed.
        for holder in holders:
            await self._sessions().revoke_user(holder)
        return CustomRoleOut(id=row.id, name=row.name, permissions=list(row.permissions), users=len(holders))

    # ------------------------------------------------------------------ rules

    def _visible(self, actor: SessionUser) -> list[ColumnElement[bool]]:
        if ADMIN in actor.roles:
            return []
        # A manager sees the people of their branches, admins excepted.
        return [
            User.id.in_(
                select(BranchMembership.user_id).where(BranchMembership.branch_id.in_(actor.branch_ids))
            ),
            User.id.not_in(select(UserRole.user_id).where(UserRole.role == ADMIN)),
        ]

    async def _target(
        self, actor: SessionUser, user_id: int, *, lock: bool = True, touch: bool = True, scoped: bool = True
    ) -> User:
        stmt = (
            select(User)
            .where(User.id == user_id)
            .options(*_loads())
            .execution_options(populate_existing=True)
        )
        if lock:
            stmt = stmt.with_for_update(of=User)
        user = await self.session.scalar(stmt)
        if user is None:
            raise NotFoundException(detail=_("User not found"))
        if not scoped or ADMIN in actor.roles:
            return user
        roles = {r.role for r in user.roles}
        if ADMIN in roles:
            if touch:
                raise PermissionDeniedException(detail=_("Only an admin changes an admin's account"))
            raise NotFoundException(detail=_("User not found"))
        if not {m.branch_id for m in user.memberships} & set(actor.branch_ids):
            raise NotFoundException(detail=_("User not found"))
        return user

    async def _check_grants(
        self,
        actor: SessionUser,
        roles: list[str],
        custom_role_ids: list[int],
        branch_ids: list[int],
        *,
        target: User | None = None,
    ) -> None:
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise unprocessable(
                "roles",
                _("unknown roles %(unknown)s; use %(roles)s", unknown=unknown, roles=", ".join(ROLES)),
            )
        is_admin = ADMIN in actor.roles
        if ADMIN in roles and not is_admin:
            raise PermissionDeniedException(detail=_("Only an admin grants the admin role"))
        if custom_role_ids:
            found = set(
                await self.session.scalars(select(CustomRole.id).where(CustomRole.id.in_(custom_role_ids)))
            )
            missing = sorted(set(custom_role_ids) - found)
            if missing:
                raise unprocessable("custom_role_ids", _("no roles %(missing)s", missing=missing))
        if not roles and not custom_role_ids:
            raise unprocessable("roles", _("give the person at least one role"))
        known = set(await self.session.scalars(select(Branch.id).where(Branch.id.in_(branch_ids))))
        for i, branch_id in enumerate(branch_ids):
            if branch_id not in known or not actor.can_see_branch(branch_id):
                raise NotFoundException(detail=_("branch_ids[%(index)s]: branch not found", index=i))
        if not is_admin:
            if not branch_ids:
                raise unprocessable("branch_ids", _("a manager adds people to their own branches"))
            if target is not None:
                # A manager of one branch must not take a person off the branches only others manage.
                elsewhere = {m.branch_id for m in target.memberships} - set(actor.branch_ids)
                branch_ids += sorted(elsewhere - set(branch_ids))

    async def _set_grants(
        self, user_id: int, roles: list[str], custom_role_ids: list[int], branch_ids: list[int]
    ) -> None:
        await self.session.execute(delete(UserRole).where(UserRole.user_id == user_id))
        await self.session.execute(delete(UserCustomRole).where(UserCustomRole.user_id == user_id))
        await self.session.execute(delete(BranchMembership).where(BranchMembership.user_id == user_id))
        self.session.add_all(UserRole(user_id=user_id, role=r) for r in sorted(set(roles)))
        self.session.add_all(UserCustomRole(user_id=user_id, role_id=r) for r in sorted(set(custom_role_ids)))
        self.session.add_all(BranchMembership(user_id=user_id, branch_id=b) for b in sorted(set(branch_ids)))
        await self.session.flush()

    async def _refuse_taken_code(self, code: str | None, user_id: int | None) -> None:
        if code is None:
            return
        other = await self.session.scalar(
            select(User.username).where(User.employee_code == code, User.id != (user_id or 0))
        )
        if other is not None:
            raise conflict(
                _("employee_code: %(code)s is %(other)s's", code=code, other=other), field="employee_code"
            )

    async def _finish(
        self, action: str, user: User, actor: SessionUser, before: dict[str, Any], *, end_sessions: bool
    ) -> SessionsEnded:
        self._audit(action, user.id, actor, before=before, after=await self._snapshot(user))
        await self.session.commit()
        ended = await self._end_sessions(user.id, actor) if end_sessions else 0
        return SessionsEnded(user=await self._out(user), sessions_ended=ended)

    async def _end_sessions(self, user_id: int, actor: SessionUser) -> int:
        if user_id != actor.user_id:
            return await self._sessions().revoke_user(user_id)
        # Acting on yourself (your own password, your own second factor): your other sessions end, the one
        # you are using stays, or the screen would sign you out in the middle of the click.
        key = self.keys.user_sessions(user_id)
        digests = await cast("Awaitable[set[bytes]]", self.redis.smembers(key))
        ended = 0
        for raw_digest in digests:
            digest = raw_digest.decode()
            raw = await self.redis.get(self.keys.session(digest))
            if raw is not None:
                try:
                    if msgspec.json.decode(raw, type=SessionUser).csrf == actor.csrf:
                        continue
                except msgspec.DecodeError:
                    pass
                await self.redis.delete(self.keys.session(digest))
                ended += 1
            await cast("Awaitable[int]", self.redis.srem(key, digest))
        return ended

    def _sessions(self) -> SessionStore:
        return SessionStore(
            self.redis, self.keys, ttl_seconds=self.scope.settings.security.session_ttl_seconds
        )

    async def _snapshot(self, user: User) -> dict[str, Any]:
        return {
            "username": user.username,
            "full_name": user.full_name,
            "roles": sorted(r.role for r in user.roles),
            "custom_role_ids": sorted(await self._custom_role_ids(user.id)),
            "branch_ids": sorted(m.branch_id for m in user.memberships),
            "employee_code": user.employee_code,
            "is_active": user.is_active,
            "has_totp": user.totp_secret is not None,
            "has_pin": user.pin_hash is not None,
        }

    async def _custom_role_ids(self, user_id: int) -> list[int]:
        return list(
            await self.session.scalars(
                select(UserCustomRole.role_id).where(UserCustomRole.user_id == user_id)
            )
        )

    async def _out(self, user: User) -> PersonOut:
        return PersonOut(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            roles=sorted(r.role for r in user.roles),
            custom_role_ids=sorted(await self._custom_role_ids(user.id)),
            branch_ids=sorted(m.branch_id for m in user.memberships),
            employee_code=user.employee_code,
            phone=user.phone,
            is_active=user.is_active,
            has_totp=user.totp_secret is not None,
            has_pin=user.pin_hash is not None,
            pin_locked=user.pin_locked_at is not None,
            last_login_at=user.last_login_at,
        )

    def _audit(self, action: str, user_id: int, actor: SessionUser, *, before: Any, after: Any) -> None:
        audit.change(
            self.session,
            action=action,
            entity_type="user",
            entity_id=user_id,
            actor_user_id=actor.user_id,
            before=before,
            after=after,
        )


def _loads() -> list[Any]:
    return [selectinload(User.roles), selectinload(User.memberships)]
