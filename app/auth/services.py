"""Login (password, then a TOTP code where one is needed), logout and who-am-I."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Self, cast

from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from sqlalchemy import func, select

from app.auth import _lockout, totp
from app.auth.guards import scope_to_branches
from app.auth.schemas import BranchRef, Me, TotpChallenge
from app.auth.sessions import SessionStore, SessionUser, token_digest
from app.db.models import Branch, BranchMembership, CustomRole, User, UserCustomRole, UserRole
from app.db.models.staff import ROLES
from app.events import security as security_events
from app.lib import audit, ratelimit
from app.lib.i18n import _
from app.lib.redis import hmget
from app.lib.security import hash_password, needs_rehash, new_token, verify_password

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from app.db.session import Session
    from app.events import EventBus
    from app.lib.deps import Scope
    from app.lib.redis import Keys
    from app.settings import SecuritySettings

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = _("Wrong username or password")
WRONG_CODE = _("Wrong or already used code")
CHALLENGE_EXPIRED = _("This sign-in has expired: enter your password again")
# Long enough to open the authenticator app (or, when enrolling, to add the account to it).
CHALLENGE_TTL_SECONDS = 300
CHALLENGE_ATTEMPTS = 5
# Longer than the window a code is accepted in, so a spent step is remembered while it could be replayed.
SPENT_STEP_TTL_SECONDS = (2 * totp.DRIFT_STEPS + 2) * totp.STEP_SECONDS


class AuthService:
    def __init__(
        self,
        *,
        session: Session,
        redis: Redis,
        keys: Keys,
        security: SecuritySettings,
        bus: EventBus | None = None,
    ) -> None:
        self.session = session
        self.redis = redis
        self.keys = keys
        self.security = security
        # Where a second-factor lock is announced to the managers' boards (None: a caller without one).
        self.bus = bus
        self.sessions = SessionStore(redis, keys, ttl_seconds=security.session_ttl_seconds)

    @classmethod
    def from_scope(cls, scope: Scope) -> Self:
        return cls(
            session=scope.session,
            redis=scope.redis,
            keys=scope.keys,
            security=scope.settings.security,
            bus=scope.bus,
        )

    async def login(
        self, *, username: str, password: str, client_ip: str
    ) -> tuple[str, SessionUser] | TotpChallenge:
        """A session (token and user), or, for a user with a second factor (every admin), a challenge to
        answer with a code through `login_totp`."""
        username = username.strip().lower()
        limit = self.security.login_attempts_per_minute
        await ratelimit.enforce(self.redis, self.keys, bucket="login-ip", subject=client_ip, limit=limit)
        await ratelimit.enforce(self.redis, self.keys, bucket="login-user", subject=username, limit=limit)

        user = await self.session.scalar(select(User).where(User.username == username))
        usable = user is not None and user.is_active
        # Always run one argon2 verification so unknown users and wrong passwords take the same time.
        ok = verify_password(user.password_hash if usable and user is not None else None, password)
        if not ok or user is None:
            audit.record(
                self.session,
                action="auth.login_failed",
                entity_type="user",
                entity_id=user.id if user is not None else None,
                data={"username": username, "ip": client_ip},
            )
            await self.session.commit()
            raise NotAuthorizedException(detail=WRONG_CREDENTIALS)

        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        roles = await self._roles(user.id)
        enrol = user.totp_secret is None and "admin" in roles and self.security.admin_totp_required
        if user.totp_secret is not None or enrol:
            await self.session.commit()
            return await self._challenge(user, enrol=enrol)
        return await self._open_session(user, roles, client_ip=client_ip, second_factor=False)

    async def login_totp(self, *, challenge: str, code: str, client_ip: str) -> tuple[str, SessionUser]:
        """The second step: the code from the authenticator app. When the challenge was an enrolment, the
        code proves the app holds the new secret, which only then is saved on the user."""
        limit = self.security.login_attempts_per_minute
        await ratelimit.enforce(self.redis, self.keys, bucket="totp-ip", subject=client_ip, limit=limit)
        key = self.keys.login_challenge(token_digest(challenge))
        raw_user, raw_secret = await hmget(self.redis, key, "user", "secret")
        if raw_user is None:
            raise NotAuthorizedException(detail=CHALLENGE_EXPIRED, extra={"code": "challenge_expired"})
        # Locked: one code check at a time per account, so a burst of guesses is counted guess by guess.
        user = await self.session.get(User, int(raw_user), with_for_update=True)
        if user is None or not user.is_active:
            await self.redis.delete(key)
            raise NotAuthorizedException(detail=CHALLENGE_EXPIRED, extra={"code": "challenge_expired"})
        wrong = await _lockout.wrong_codes(self.session, user.id)
        if (until := wrong.locked_until) is not None:
            await self.session.rollback()
            raise _locked(until, wrong.now)
        pending = raw_secret.decode() if raw_secret else None
        secret = pending or user.totp_secret
        if secret is None:  # the secret was removed since the password step
            await self.redis.delete(key)
            raise NotAuthorizedException(detail=CHALLENGE_EXPIRED, extra={"code": "challenge_expired"})

        spent_key = self.keys.totp_last_step(user.id, token_digest(secret)[:16])
        spent = await self.redis.get(spent_key)
        step = totp.matching_step(secret, code, after_step=int(spent) if spent else -1)
        if step is None:
            attempts = await cast("Awaitable[int]", self.redis.hincrby(key, "attempts", 1))
            if attempts >= CHALLENGE_ATTEMPTS:
                await self.redis.delete(key)
            audit.record(
                self.session,
                action=_lockout.FAILED,
                entity_type="user",
                entity_id=user.id,
                data={"ip": client_ip, "attempt": attempts, "failures": wrong.failures + 1},
            )
            now_wrong = wrong.after_one_more()
            if (until := now_wrong.locked_until) is not None:
                await self.redis.delete(key)
                await self._lock(user, now_wrong, until, client_ip=client_ip)
                await self.session.commit()
                raise _locked(until, now_wrong.now)
            await self.session.commit()
            raise NotAuthorizedException(detail=WRONG_CODE)

        # Spend the step and the challenge atomically enough that two requests racing with one code open
        # one session: SET … GET hands back the step spent before, and only one caller deletes the key.
        previous = await self.redis.set(spent_key, step, ex=SPENT_STEP_TTL_SECONDS, get=True)
        if previous is not None and int(previous) >= step:
            await self.redis.set(spent_key, previous, ex=SPENT_STEP_TTL_SECONDS)
            raise NotAuthorizedException(detail=WRONG_CODE)
        if not await self.redis.delete(key):
            raise NotAuthorizedException(detail=CHALLENGE_EXPIRED, extra={"code": "challenge_expired"})
        if pending is not None:
            user.totp_secret = pending
            audit.record(
                self.session,
                action="auth.totp_enrolled",
                entity_type="user",
                entity_id=user.id,
                actor_user_id=user.id,
                data={"ip": client_ip},
            )
        return await self._open_session(
            user, await self._roles(user.id), client_ip=client_ip, second_factor=True
        )

    async def _lock(
        self, user: User, wrong: _lockout.WrongCodes, until: dt.datetime, *, client_ip: str
    ) -> None:
        """Audit the lock and tell the managers' boards (after the commit) that someone is guessing."""
        seconds = _lockout.retry_after(until, wrong.now)
        audit.record(
            self.session,
            action=_lockout.LOCKED,
            entity_type="user",
            entity_id=user.id,
            data={
                "ip": client_ip,
                "failures": wrong.failures,
                "seconds": seconds,
                "until": until.isoformat(),
            },
        )
        log.warning(
            "second factor locked",
            extra={"user_id": user.id, "failures": wrong.failures, "seconds": seconds, "ip": client_ip},
        )
        if self.bus is None:
            return
        alert = security_events.SecondFactorLocked(
            kind="second_factor_locked",
            user_id=user.id,
            username=user.username,
            failures=wrong.failures,
            locked_until=until.isoformat(),
            message=(
                f"{wrong.failures} wrong sign-in codes for {user.username}: "
                f"second factor locked for {seconds} s (last try from {client_ip})"
            ),
            raised_at=wrong.now.isoformat(),
        )
        for branch_id in await self._alert_branches(user.id):
            self.bus.on_commit(self.session, branch_id, security_events.SECOND_FACTOR_LOCKED, alert)

    async def _alert_branches(self, user_id: int) -> list[int]:
        """The branches whose boards hear of the lock: the account's own, or every active one for an
        account of no branch in particular (an admin)."""
        own = list(
            await self.session.scalars(
                select(BranchMembership.branch_id).where(BranchMembership.user_id == user_id)
            )
        )
        if own:
            return own
        return list(await self.session.scalars(select(Branch.id).where(Branch.active).order_by(Branch.id)))

    async def _challenge(self, user: User, *, enrol: bool) -> TotpChallenge:
        token = new_token()
        key = self.keys.login_challenge(token_digest(token))
        secret = totp.new_secret() if enrol else None
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"user": user.id, "secret": secret or "", "attempts": 0})
            pipe.expire(key, CHALLENGE_TTL_SECONDS)
            await pipe.execute()
        return TotpChallenge(
            challenge=token,
            enrol=enrol,
            secret=secret,
            otpauth_uri=None if secret is None else totp.provisioning_uri(secret, account=user.username),
        )

    async def _roles(self, user_id: int) -> tuple[str, ...]:
        roles = set(await self.session.scalars(select(UserRole.role).where(UserRole.user_id == user_id)))
        # Custom roles grant fixed roles (never admin): every guard keeps reading roles.
        granted = await self.session.scalars(
            select(func.unnest(CustomRole.permissions))
            .join(UserCustomRole, UserCustomRole.role_id == CustomRole.id)
            .where(UserCustomRole.user_id == user_id)
        )
        roles |= {r for r in granted if r in ROLES and r != "admin"}
        return tuple(sorted(roles))

    async def _open_session(
        self, user: User, roles: tuple[str, ...], *, client_ip: str, second_factor: bool
    ) -> tuple[str, SessionUser]:
        branch_ids = tuple(
            sorted(
                await self.session.scalars(
                    select(BranchMembership.branch_id).where(BranchMembership.user_id == user.id)
                )
            )
        )
        token, session_user = await self.sessions.create(
            user_id=user.id,
            username=user.username,
            full_name=user.full_name,
            roles=roles,
            branch_ids=branch_ids,
            all_branches="admin" in roles,
            language=user.language,
        )
        user.last_login_at = dt.datetime.now(dt.UTC)
        audit.record(
            self.session,
            action="auth.login",
            entity_type="user",
            entity_id=user.id,
            actor_user_id=user.id,
            data={"ip": client_ip, "second_factor": second_factor},
        )
        await self.session.commit()
        log.info("login", extra={"user_id": user.id, "username": user.username})
        return token, session_user

    async def logout(self, *, token: str, user: SessionUser) -> None:
        await self.sessions.delete(token)
        audit.record(
            self.session,
            action="auth.logout",
            entity_type="user",
            entity_id=user.user_id,
            actor_user_id=user.user_id,
        )
        await self.session.commit()

    async def me(self, user: SessionUser) -> Me:
        stmt = scope_to_branches(select(Branch).order_by(Branch.id), Branch.id, user)
        branches = (await self.session.scalars(stmt)).all()
        return Me(
            id=user.user_id,
            username=user.username,
            full_name=user.full_name,
            roles=list(user.roles),
            branches=[BranchRef(id=b.id, code=b.code, name=b.name) for b in branches],
        )

    async def user_count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(User)) or 0)


def _locked(until: dt.datetime, now: dt.datetime) -> TooManyRequestsException:
    seconds = _lockout.retry_after(until, now)
    return TooManyRequestsException(
        detail=_(
            "Too many wrong codes: sign-in codes are locked for this account; try again in %(seconds)s s",
            seconds=seconds,
        ),
        headers={"Retry-After": str(seconds)},
    )
