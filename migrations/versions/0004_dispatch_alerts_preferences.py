"""Dispatch and courier cash (deliveries, trips, courier transactions, settlements, branch cash
movements), board alerts, per-user preferences, and per-state time limits per branch.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 01:08:06.231327
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_preferences',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('value', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'key', name=op.f('pk_user_preferences'))
    )
    op.create_table('settlements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('courier_id', sa.BigInteger(), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('net', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('transactions', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('dispatch', 'single', 'bulk')", name=op.f('ck_settlements_kind_known')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_settlements_branch_id_branches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['courier_id'], ['couriers.id'], name=op.f('fk_settlements_courier_id_couriers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_settlements_created_by_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlements'))
    )
    op.create_index(op.f('ix_settlements_branch_id'), 'settlements', ['branch_id'], unique=False)
    op.create_index(op.f('ix_settlements_courier_id'), 'settlements', ['courier_id'], unique=False)
    op.create_table('trips',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('courier_id', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_trips_branch_id_branches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['courier_id'], ['couriers.id'], name=op.f('fk_trips_courier_id_couriers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_trips_created_by_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trips'))
    )
    op.create_index(op.f('ix_trips_branch_id'), 'trips', ['branch_id'], unique=False)
    op.create_index(op.f('ix_trips_courier_id'), 'trips', ['courier_id'], unique=False)
    op.create_table('alerts',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('order_state', sa.Text(), nullable=False),
    sa.Column('order_version', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("kind IN ('state_overdue', 'slot_missed')", name=op.f('ck_alerts_kind_known')),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_alerts_branch_id_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_alerts_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    op.create_index(op.f('ix_alerts_branch_id'), 'alerts', ['branch_id'], unique=False)
    op.create_index('uq_alerts_order_kind_version', 'alerts', ['order_id', 'kind', 'order_version'], unique=True)
    op.create_table('branch_cash_movements',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('settlement_id', sa.Uuid(), nullable=True),
    sa.Column('order_id', sa.Uuid(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_branch_cash_movements_branch_id_branches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_branch_cash_movements_created_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_branch_cash_movements_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_branch_cash_movements_settlement_id_settlements'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch_cash_movements'))
    )
    op.create_index(op.f('ix_branch_cash_movements_branch_id'), 'branch_cash_movements', ['branch_id'], unique=False)
    op.create_table('deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('courier_id', sa.BigInteger(), nullable=False),
    sa.Column('trip_id', sa.Uuid(), nullable=True),
    sa.Column('settle_mode', sa.Text(), nullable=False),
    sa.Column('state', sa.Text(), server_default='assigned', nullable=False),
    sa.Column('amount_to_collect', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('courier_fee', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('cash_collected', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('return_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("settle_mode IN ('now', 'later')", name=op.f('ck_deliveries_settle_mode_known')),
    sa.CheckConstraint("state IN ('assigned', 'accepted', 'delivered', 'returned')", name=op.f('ck_deliveries_state_known')),
    sa.CheckConstraint('amount_to_collect >= 0', name=op.f('ck_deliveries_amount_non_negative')),
    sa.CheckConstraint('courier_fee >= 0', name=op.f('ck_deliveries_fee_non_negative')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_deliveries_branch_id_branches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['courier_id'], ['couriers.id'], name=op.f('fk_deliveries_courier_id_couriers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_deliveries_created_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_deliveries_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['trip_id'], ['trips.id'], name=op.f('fk_deliveries_trip_id_trips'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries'))
    )
    op.create_index(op.f('ix_deliveries_courier_id'), 'deliveries', ['courier_id'], unique=False)
    op.create_index(op.f('ix_deliveries_order_id'), 'deliveries', ['order_id'], unique=False)
    op.create_index('uq_deliveries_order_active', 'deliveries', ['order_id'], unique=True, postgresql_where=sa.text("state IN ('assigned', 'accepted')"))
    op.create_table('courier_transactions',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('courier_id', sa.BigInteger(), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('status', sa.Text(), server_default='open', nullable=False),
    sa.Column('settlement_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'settled') = (settlement_id IS NOT NULL)", name=op.f('ck_courier_transactions_settled_has_settlement')),
    sa.CheckConstraint("kind IN ('collection', 'fee')", name=op.f('ck_courier_transactions_kind_known')),
    sa.CheckConstraint("status IN ('open', 'settled')", name=op.f('ck_courier_transactions_status_known')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_courier_transactions_amount_non_negative')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_courier_transactions_branch_id_branches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['courier_id'], ['couriers.id'], name=op.f('fk_courier_transactions_courier_id_couriers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_courier_transactions_delivery_id_deliveries'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_courier_transactions_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_courier_transactions_settlement_id_settlements'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courier_transactions'))
    )
    op.create_index('ix_courier_transactions_courier_status', 'courier_transactions', ['courier_id', 'status'], unique=False)
    op.create_index(op.f('ix_courier_transactions_delivery_id'), 'courier_transactions', ['delivery_id'], unique=False)
    op.create_index(op.f('ix_courier_transactions_settlement_id'), 'courier_transactions', ['settlement_id'], unique=False)
    op.add_column('branches', sa.Column('state_limits', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text('\'{"received": 600, "preparing": 1200, "ready": 600, "out_for_delivery": 2700, "returned": 900}\'::jsonb'), nullable=False))


def downgrade() -> None:
    op.drop_column('branches', 'state_limits')
    op.drop_index(op.f('ix_courier_transactions_settlement_id'), table_name='courier_transactions')
    op.drop_index(op.f('ix_courier_transactions_delivery_id'), table_name='courier_transactions')
    op.drop_index('ix_courier_transactions_courier_status', table_name='courier_transactions')
    op.drop_table('courier_transactions')
    op.drop_index('uq_deliveries_order_active', table_name='deliveries', postgresql_where=sa.text("state IN ('assigned', 'accepted')"))
    op.drop_index(op.f('ix_deliveries_order_id'), table_name='deliveries')
    op.drop_index(op.f('ix_deliveries_courier_id'), table_name='deliveries')
    op.drop_table('deliveries')
    op.drop_index(op.f('ix_branch_cash_movements_branch_id'), table_name='branch_cash_movements')
    op.drop_table('branch_cash_movements')
    op.drop_index('uq_alerts_order_kind_version', table_name='alerts')
    op.drop_index(op.f('ix_alerts_branch_id'), table_name='alerts')
    op.drop_table('alerts')
    op.drop_index(op.f('ix_trips_courier_id'), table_name='trips')
    op.drop_index(op.f('ix_trips_branch_id'), table_name='trips')
    op.drop_table('trips')
    op.drop_index(op.f('ix_settlements_courier_id'), table_name='settlements')
    op.drop_index(op.f('ix_settlements_branch_id'), table_name='settlements')
    op.drop_table('settlements')
    op.drop_table('user_preferences')
