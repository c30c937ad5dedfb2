"""a leader's 批示 opens a follow-up: the handling unit's 落实反馈 by a deadline

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 04:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brief_id', sa.String(length=64), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('instruction', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('calendar_covered', sa.Boolean(), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('feedback_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('feedback_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['brief_id'], ['briefs.id'], ),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], ),
    sa.ForeignKeyConstraint(['feedback_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followups_brief_id'), ['brief_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_followups_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followups_unit_id'))
        batch_op.drop_index(batch_op.f('ix_followups_due_at'))
        batch_op.drop_index(batch_op.f('ix_followups_decision_id'))
        batch_op.drop_index(batch_op.f('ix_followups_brief_id'))
    op.drop_table('followups')
