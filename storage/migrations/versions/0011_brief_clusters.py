"""same-event cluster of each brief

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-03 17:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('briefs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cluster_key', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_briefs_cluster_key'), ['cluster_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('briefs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefs_cluster_key'))
        batch_op.drop_column('cluster_key')
