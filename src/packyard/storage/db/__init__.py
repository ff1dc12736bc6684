"""SQLAlchemy 2.0 tables, the store behind the services, and Alembic migrations."""
