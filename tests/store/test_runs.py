"""Source health, on SQLite and PostgreSQL: when a source was last fetched, whatever the outcome."""

from datetime import UTC, datetime, timedelta

from pipeline.store import Store
from pipeline.store.runs import SourceRun

T0 = datetime(2026, 11, 1, 12, 30, tzinfo=UTC)


def test_last_fetched_is_the_latest_run_of_that_source_failed_ones_too(db_url):
    with Store(db_url) as store:
        assert store.last_fetched("remotive") is None
        store.record_source_run(SourceRun(source="remotive", started_at=T0, status="ok"))
        store.record_source_run(SourceRun(source="remotive", started_at=T0 + timedelta(hours=7),
                                          status="failed", error="HTTP 429"))
        store.record_source_run(SourceRun(source="other", started_at=T0 + timedelta(days=1),
                                          status="ok"))
    with Store(db_url) as reopened:
        when = reopened.last_fetched("remotive")
    assert when == T0 + timedelta(hours=7) and when.tzinfo is not None


def test_last_board_fetch_is_the_latest_run_of_any_source_of_that_board(db_url):
    with Store(db_url) as store:
        store.record_source_run(SourceRun(source="rm-a", started_at=T0, status="ok",
                                          board="remotive"))
        store.record_source_run(SourceRun(source="rm-gone", status="failed", board="remotive",
                                          started_at=T0 + timedelta(hours=6)))
        store.record_source_run(SourceRun(source="feed", started_at=T0 + timedelta(hours=9),
                                          status="ok", board="rss"))
        assert store.last_board_fetch("remotive") == (T0 + timedelta(hours=6), "rm-gone")
        assert store.last_board_fetch("himalayas") is None
