"""Alembic revisions, one file each; ``revision`` is the four-digit schema version."""
