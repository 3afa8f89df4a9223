"""Alembic migrations of the store's schema, run by the app itself (never by hand)."""
