"""Stages the composer (``pipeline.run``) runs that have no package of their own: ``fetch``
(read the due sources concurrently, store, close what left a board, record source health)."""
