"""Storage: the database tables, the engine and sessions, and the Alembic migrations. Used by api and training."""
