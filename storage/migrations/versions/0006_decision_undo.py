"""decisions.undoes_id: an undo is a decision row pointing at the one it takes back

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 17:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undoes_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_decisions_undoes_id', 'decisions', ['undoes_id'], ['id'])
        batch_op.create_unique_constraint('uq_decision_undoes', ['undoes_id'])


def downgrade() -> None:
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_decision_undoes', type_='unique')
        batch_op.drop_constraint('fk_decisions_undoes_id', type_='foreignkey')
        batch_op.drop_column('undoes_id')
