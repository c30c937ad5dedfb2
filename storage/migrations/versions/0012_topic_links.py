"""an editor attaches a 约稿 topic to a brief or detaches it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 04:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('topic_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brief_id', sa.String(length=64), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('attached', sa.Boolean(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['brief_id'], ['briefs.id'], ),
    sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('brief_id', 'topic_id', name='uq_topic_links_brief_topic')
    )
    with op.batch_alter_table('topic_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_links_brief_id'), ['brief_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('topic_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_links_brief_id'))
    op.drop_table('topic_links')
