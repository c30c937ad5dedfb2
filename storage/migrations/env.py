"""Alembic environment: runs on the connection `storage.db.upgrade` passes in."""

from alembic import context

from storage.tables import Base

connection = context.config.attributes.get("connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
