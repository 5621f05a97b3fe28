"""The schema's migration history, as Alembic revisions (``versions/``), applied by
``pipeline.store.versioning.migrate`` when a store opens and by ``pipeline db upgrade``.

Revision ``NNNN`` is what the hand-numbered ``schema_version`` N was before Alembic, so such a
database is stamped at its revision and upgraded from there. To change the schema: edit the
table in ``pipeline/store/schema.py`` AND add ``versions/NNNN_what.py`` (the next number, its
``down_revision`` the previous head) that makes the same change to an existing database.
"""
