"""POS and money: tills (POS profiles) and cashier shifts with cash movements and closing counts; payment
refunds, voids, cash rounding and providers; invoices with gapless counters and amendments; bundles (combo
meals) and per-branch stock; order and line discounts, bundle component lines, an order's paid total.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 03:08:39.289318
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('invoice_counters',
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('series', sa.Text(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_number >= 0', name=op.f('ck_invoice_counters_last_number_non_negative')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_invoice_counters_branch_id_branches'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('branch_id', 'series', 'fiscal_year', name=op.f('pk_invoice_counters'))
    )
    op.create_table('pos_profiles',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('require_shift', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('payment_methods', postgresql.ARRAY(sa.Text()), server_default=sa.text("ARRAY['cash','card','wallet','bank_transfer','on_account']"), nullable=False),
    sa.Column('default_price_list', sa.Text(), server_default='counter', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.CheckConstraint("code ~ '^[a-z0-9][a-z0-9_-]*$'", name=op.f('ck_pos_profiles_code_format')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_pos_profiles_branch_id_branches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pos_profiles')),
    sa.UniqueConstraint('branch_id', 'code', name=op.f('uq_pos_profiles_branch_id_code'))
    )
    op.create_index(op.f('ix_pos_profiles_branch_id'), 'pos_profiles', ['branch_id'], unique=False)
    op.create_table('bundle_groups',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('bundle_id', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('choose', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('sort_order', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.CheckConstraint("kind IN ('fixed', 'choice')", name=op.f('ck_bundle_groups_kind_known')),
    sa.CheckConstraint('choose >= 1', name=op.f('ck_bundle_groups_choose_positive')),
    sa.ForeignKeyConstraint(['bundle_id'], ['products.id'], name=op.f('fk_bundle_groups_bundle_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_groups')),
    sa.UniqueConstraint('bundle_id', 'code', name=op.f('uq_bundle_groups_bundle_id_code'))
    )
    op.create_index(op.f('ix_bundle_groups_bundle_id'), 'bundle_groups', ['bundle_id'], unique=False)
    op.create_table('product_stock',
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.CheckConstraint('qty >= 0', name=op.f('ck_product_stock_qty_non_negative')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_product_stock_branch_id_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_stock_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('branch_id', 'product_id', name=op.f('pk_product_stock'))
    )
    op.create_index(op.f('ix_product_stock_product_id'), 'product_stock', ['product_id'], unique=False)
    op.create_table('shifts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('pos_profile_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Text(), server_default='open', nullable=False),
    sa.Column('opening_cash', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('opened_by', sa.BigInteger(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('closed_by', sa.BigInteger(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closing_note', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_shifts_status_known')),
    sa.CheckConstraint('opening_cash >= 0', name=op.f('ck_shifts_opening_cash_non_negative')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_shifts_branch_id_branches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_shifts_closed_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_shifts_opened_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['pos_profile_id'], ['pos_profiles.id'], name=op.f('fk_shifts_pos_profile_id_pos_profiles'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shifts'))
    )
    op.create_index(op.f('ix_shifts_branch_id'), 'shifts', ['branch_id'], unique=False)
    op.create_index('uq_shifts_open_per_profile', 'shifts', ['pos_profile_id'], unique=True, postgresql_where=sa.text("status = 'open'"))
    op.create_table('bundle_items',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('group_id', sa.BigInteger(), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=False),
    sa.Column('unit', sa.Text(), nullable=False),
    sa.Column('qty', sa.Numeric(precision=12, scale=3), server_default=sa.text('1'), nullable=False),
    sa.Column('extra_price', sa.Numeric(precision=14, scale=4), server_default=sa.text('0'), nullable=False),
    sa.Column('sort_order', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.CheckConstraint('extra_price >= 0', name=op.f('ck_bundle_items_extra_price_non_negative')),
    sa.CheckConstraint('qty > 0', name=op.f('ck_bundle_items_qty_positive')),
    sa.ForeignKeyConstraint(['group_id'], ['bundle_groups.id'], name=op.f('fk_bundle_items_group_id_bundle_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id', 'unit'], ['product_units.product_id', 'product_units.unit'], name=op.f('fk_bundle_items_product_id_product_units'), onupdate='CASCADE', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bundle_items')),
    sa.UniqueConstraint('group_id', 'product_id', 'unit', name=op.f('uq_bundle_items_group_id_product_id_unit'))
    )
    op.create_index(op.f('ix_bundle_items_group_id'), 'bundle_items', ['group_id'], unique=False)
    op.create_table('shift_cash_movements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('shift_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('in', 'out')", name=op.f('ck_shift_cash_movements_kind_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_shift_cash_movements_amount_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_shift_cash_movements_created_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_shift_cash_movements_shift_id_shifts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_cash_movements'))
    )
    op.create_index(op.f('ix_shift_cash_movements_shift_id'), 'shift_cash_movements', ['shift_id'], unique=False)
    op.create_table('shift_counts',
    sa.Column('shift_id', sa.Uuid(), nullable=False),
    sa.Column('method', sa.Text(), nullable=False),
    sa.Column('expected', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('counted', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('difference', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.CheckConstraint("method IN ('cash', 'card', 'wallet', 'bank_transfer', 'on_account', 'cash_on_delivery')", name=op.f('ck_shift_counts_method_known')),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_shift_counts_shift_id_shifts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('shift_id', 'method', name=op.f('pk_shift_counts'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.Text(), server_default='invoice', nullable=False),
    sa.Column('amends_id', sa.Uuid(), nullable=True),
    sa.Column('amendment_reason', sa.Text(), nullable=True),
    sa.Column('series', sa.Text(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('number_text', sa.Text(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('seller_name', sa.Text(), nullable=False),
    sa.Column('seller_address', sa.Text(), server_default='', nullable=False),
    sa.Column('seller_tax_number', sa.Text(), nullable=True),
    sa.Column('buyer_name', sa.Text(), nullable=True),
    sa.Column('buyer_company_name', sa.Text(), nullable=True),
    sa.Column('buyer_tax_number', sa.Text(), nullable=True),
    sa.Column('buyer_address', sa.Text(), nullable=True),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('currency_exponent', sa.SmallInteger(), nullable=False),
    sa.Column('prices_include_tax', sa.Boolean(), nullable=False),
    sa.Column('subtotal', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('discount', sa.Numeric(precision=14, scale=4), server_default=sa.text('0'), nullable=False),
    sa.Column('tax_total', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('delivery_charge', sa.Numeric(precision=14, scale=4), server_default=sa.text('0'), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('lines', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('tax_breakdown', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("(kind = 'amendment') = (amends_id IS NOT NULL)", name=op.f('ck_invoices_amendment_references_original')),
    sa.CheckConstraint("kind IN ('invoice', 'amendment')", name=op.f('ck_invoices_kind_known')),
    sa.CheckConstraint('number > 0', name=op.f('ck_invoices_number_positive')),
    sa.ForeignKeyConstraint(['amends_id'], ['invoices.id'], name=op.f('fk_invoices_amends_id_invoices'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_invoices_branch_id_branches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_invoices_created_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_invoices_customer_id_customers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_invoices_order_id_orders'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('branch_id', 'series', 'fiscal_year', 'number', name=op.f('uq_invoices_branch_id_series_fiscal_year_number')),
    sa.UniqueConstraint('number_text', name=op.f('uq_invoices_number_text'))
    )
    op.create_index(op.f('ix_invoices_customer_id'), 'invoices', ['customer_id'], unique=False)
    op.create_index(op.f('ix_invoices_order_id'), 'invoices', ['order_id'], unique=False)
    op.create_index('uq_invoices_order_original', 'invoices', ['order_id'], unique=True, postgresql_where=sa.text("kind = 'invoice'"))
    op.create_table('payment_refunds',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('payment_id', sa.Uuid(), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('provider_ref', sa.Text(), nullable=True),
    sa.Column('shift_id', sa.Uuid(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_refunds_amount_positive')),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_payment_refunds_branch_id_branches'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_payment_refunds_created_by_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payment_refunds_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_payment_refunds_payment_id_payments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['shift_id'], ['shifts.id'], name=op.f('fk_payment_refunds_shift_id_shifts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_refunds'))
    )
    op.create_index(op.f('ix_payment_refunds_branch_id'), 'payment_refunds', ['branch_id'], unique=False)
    op.create_index(op.f('ix_payment_refunds_payment_id'), 'payment_refunds', ['payment_id'], unique=False)
    op.add_column('branches', sa.Column('fiscal_year_start_month', sa.SmallInteger(), server_default=sa.text('1'), nullable=False))
    op.add_column('order_lines', sa.Column('parent_line_no', sa.Integer(), nullable=True))
    op.add_column('order_lines', sa.Column('discount_reason', sa.Text(), nullable=True))
    op.add_column('orders', sa.Column('discount', sa.Numeric(precision=14, scale=4), server_default=sa.text('0'), nullable=False))
    op.add_column('orders', sa.Column('discount_reason', sa.Text(), nullable=True))
    op.add_column('orders', sa.Column('paid_total', sa.Numeric(precision=14, scale=4), server_default=sa.text('0'), nullable=False))
    op.add_column('orders', sa.Column('payment_seq', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('orders', sa.Column('pos_profile_id', sa.BigInteger(), nullable=True))
    op.add_column('orders', sa.Column('shift_id', sa.Uuid(), nullable=True))
    op.create_foreign_key(op.f('fk_orders_pos_profile_id_pos_profiles'), 'orders', 'pos_profiles', ['pos_profile_id'], ['id'], ondelete='RESTRICT')
    op.create_foreign_key(op.f('fk_orders_shift_id_shifts'), 'orders', 'shifts', ['shift_id'], ['id'], ondelete='RESTRICT')
    op.add_column('payments', sa.Column('rounding', sa.Numeric(precision=14, scale=4), server_default=sa.text('0'), nullable=False))
    op.add_column('payments', sa.Column('provider', sa.Text(), server_default='manual', nullable=False))
    op.add_column('payments', sa.Column('provider_ref', sa.Text(), nullable=True))
    op.add_column('payments', sa.Column('refunded_amount', sa.Numeric(precision=14, scale=4), server_default=sa.text('0'), nullable=False))
    op.add_column('payments', sa.Column('customer_id', sa.BigInteger(), nullable=True))
    op.add_column('payments', sa.Column('shift_id', sa.Uuid(), nullable=True))
    op.add_column('payments', sa.Column('void_reason', sa.Text(), nullable=True))
    op.add_column('payments', sa.Column('voided_by', sa.BigInteger(), nullable=True))
    op.add_column('payments', sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_payments_customer_id'), 'payments', ['customer_id'], unique=False)
    op.create_index(op.f('ix_payments_shift_id'), 'payments', ['shift_id'], unique=False)
    op.create_foreign_key(op.f('fk_payments_customer_id_customers'), 'payments', 'customers', ['customer_id'], ['id'], ondelete='RESTRICT')
    op.create_foreign_key(op.f('fk_payments_shift_id_shifts'), 'payments', 'shifts', ['shift_id'], ['id'], ondelete='RESTRICT')
    op.create_foreign_key(op.f('fk_payments_voided_by_users'), 'payments', 'users', ['voided_by'], ['id'], ondelete='RESTRICT')
    op.add_column('products', sa.Column('kind', sa.Text(), server_default='item', nullable=False))

    # Autogenerate does not see CHECK constraints added to existing tables.
    op.create_check_constraint(op.f('ck_branches_fiscal_year_start_month_range'), 'branches', 'fiscal_year_start_month BETWEEN 1 AND 12')
    op.create_check_constraint(op.f('ck_orders_discount_non_negative'), 'orders', 'discount >= 0')
    op.create_check_constraint(op.f('ck_orders_paid_total_non_negative'), 'orders', 'paid_total >= 0')
    op.create_check_constraint(op.f('ck_order_lines_parent_line_before'), 'order_lines', 'parent_line_no IS NULL OR parent_line_no < line_no')
    op.create_check_constraint(op.f('ck_products_kind_known'), 'products', "kind IN ('item', 'bundle')")
    op.drop_constraint(op.f('ck_payments_status_known'), 'payments', type_='check')
    op.create_check_constraint(op.f('ck_payments_status_known'), 'payments', "status IN ('pending', 'captured', 'voided', 'partially_refunded', 'refunded')")
    op.create_check_constraint(op.f('ck_payments_refunded_amount_range'), 'payments', 'refunded_amount >= 0 AND refunded_amount <= amount')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_payments_refunded_amount_range'), 'payments', type_='check')
    op.drop_constraint(op.f('ck_payments_status_known'), 'payments', type_='check')
    op.create_check_constraint(op.f('ck_payments_status_known'), 'payments', "status IN ('captured', 'voided', 'refunded')")
    op.drop_constraint(op.f('ck_products_kind_known'), 'products', type_='check')
    op.drop_constraint(op.f('ck_order_lines_parent_line_before'), 'order_lines', type_='check')
    op.drop_constraint(op.f('ck_orders_paid_total_non_negative'), 'orders', type_='check')
    op.drop_constraint(op.f('ck_orders_discount_non_negative'), 'orders', type_='check')
    op.drop_constraint(op.f('ck_branches_fiscal_year_start_month_range'), 'branches', type_='check')
    op.drop_column('products', 'kind')
    op.drop_constraint(op.f('fk_payments_voided_by_users'), 'payments', type_='foreignkey')
    op.drop_constraint(op.f('fk_payments_shift_id_shifts'), 'payments', type_='foreignkey')
    op.drop_constraint(op.f('fk_payments_customer_id_customers'), 'payments', type_='foreignkey')
    op.drop_index(op.f('ix_payments_shift_id'), table_name='payments')
    op.drop_index(op.f('ix_payments_customer_id'), table_name='payments')
    op.drop_column('payments', 'voided_at')
    op.drop_column('payments', 'voided_by')
    op.drop_column('payments', 'void_reason')
    op.drop_column('payments', 'shift_id')
    op.drop_column('payments', 'customer_id')
    op.drop_column('payments', 'refunded_amount')
    op.drop_column('payments', 'provider_ref')
    op.drop_column('payments', 'provider')
    op.drop_column('payments', 'rounding')
    op.drop_constraint(op.f('fk_orders_shift_id_shifts'), 'orders', type_='foreignkey')
    op.drop_constraint(op.f('fk_orders_pos_profile_id_pos_profiles'), 'orders', type_='foreignkey')
    op.drop_column('orders', 'shift_id')
    op.drop_column('orders', 'pos_profile_id')
    op.drop_column('orders', 'payment_seq')
    op.drop_column('orders', 'paid_total')
    op.drop_column('orders', 'discount_reason')
    op.drop_column('orders', 'discount')
    op.drop_column('order_lines', 'discount_reason')
    op.drop_column('order_lines', 'parent_line_no')
    op.drop_column('branches', 'fiscal_year_start_month')
    op.drop_index(op.f('ix_payment_refunds_payment_id'), table_name='payment_refunds')
    op.drop_index(op.f('ix_payment_refunds_branch_id'), table_name='payment_refunds')
    op.drop_table('payment_refunds')
    op.drop_index('uq_invoices_order_original', table_name='invoices', postgresql_where=sa.text("kind = 'invoice'"))
    op.drop_index(op.f('ix_invoices_order_id'), table_name='invoices')
    op.drop_index(op.f('ix_invoices_customer_id'), table_name='invoices')
    op.drop_table('invoices')
    op.drop_table('shift_counts')
    op.drop_index(op.f('ix_shift_cash_movements_shift_id'), table_name='shift_cash_movements')
    op.drop_table('shift_cash_movements')
    op.drop_index(op.f('ix_bundle_items_group_id'), table_name='bundle_items')
    op.drop_table('bundle_items')
    op.drop_index('uq_shifts_open_per_profile', table_name='shifts', postgresql_where=sa.text("status = 'open'"))
    op.drop_index(op.f('ix_shifts_branch_id'), table_name='shifts')
    op.drop_table('shifts')
    op.drop_index(op.f('ix_product_stock_product_id'), table_name='product_stock')
    op.drop_table('product_stock')
    op.drop_index(op.f('ix_bundle_groups_bundle_id'), table_name='bundle_groups')
    op.drop_table('bundle_groups')
    op.drop_index(op.f('ix_pos_profiles_branch_id'), table_name='pos_profiles')
    op.drop_table('pos_profiles')
    op.drop_table('invoice_counters')
