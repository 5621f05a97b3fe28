"""Source health on a real SQLite file: when a source was last fetched, whatever the outcome."""

from datetime import UTC, datetime, timedelta

from pipeline.store import Store
from pipeline.store.runs import SourceRun

T0 = datetime(2026, 11, 1, 12, 30, tzinfo=UTC)


def test_last_fetched_is_the_latest_run_of_that_source_failed_ones_too(tmp_path):
    with Store(f"sqlite:///{tmp_path}/jobs.db") as store:
        assert store.last_fetched("remotive") is None
        store.record_source_run(SourceRun(source="remotive", started_at=T0, status="ok"))
        store.record_source_run(SourceRun(source="remotive", started_at=T0 + timedelta(hours=7),
                                          status="failed", error="HTTP 429"))
        store.record_source_run(SourceRun(source="other", started_at=T0 + timedelta(days=1),
                                          status="ok"))
    with Store(f"sqlite:///{tmp_path}/jobs.db") as reopened:
        when = reopened.last_fetched("remotive")
    assert when == T0 + timedelta(hours=7) and when.tzinfo is not None
