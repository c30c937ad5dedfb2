"""续报 chains of urgent incidents: each brief's chain and stage

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 04:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('briefs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('chain_stage', sa.String(length=10), nullable=True))
        batch_op.create_index(batch_op.f('ix_briefs_chain_key'), ['chain_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('briefs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefs_chain_key'))
        batch_op.drop_column('chain_stage')
        batch_op.drop_column('chain_key')
