"""Staff accounts, their roles and the branches they work in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, created_at_column
from app.db.models._columns import fk_column, id_column, one_of

ROLES = ("admin", "manager", "cashier", "kitchen", "courier", "hr")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # Usernames are compared as typed at login; storing them lower-case makes that case-insensitive
        # without a functional index.
        CheckConstraint("username = lower(username) AND username <> ''", name="username_lower"),
        CheckConstraint("language ~ '^[a-z]{2,3}$'", name="language_code"),
    )

    id: Mapped[int] = id_column()
    username: Mapped[str] = mapped_column(Text, unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(Text, server_default="")
    phone: Mapped[str | None] = mapped_column(Text)
    employee_code: Mapped[str | None] = mapped_column(Text, unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    totp_secret: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at_column()
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The language of this person's screens; None follows their branch's default.
    language: Mapped[str | None] = mapped_column(Text)

    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )
    memberships: Mapped[list[BranchMembership]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(one_of("role", ROLES), name="role_known"),)

    user_id: Mapped[int] = fk_column("users.id", ondelete="CASCADE", primary_key=True)
    role: Mapped[str] = mapped_column(Text, primary_key=True)


class BranchMembership(Base):
    """Every query and socket room is scoped to these branches (DESIGN §8)."""

    __tablename__ = "branch_memberships"

    user_id: Mapped[int] = fk_column("users.id", ondelete="CASCADE", primary_key=True)
    # Indexed on its own because the primary key only serves lookups that start with the user.
    branch_id: Mapped[int] = fk_column("branches.id", ondelete="CASCADE", primary_key=True, index=True)
