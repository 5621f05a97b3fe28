"""Text reads back the same from SQLite and PostgreSQL: NUL characters (which PostgreSQL refuses)
and orderings where the database's collation differs from SQLite's."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.config import SubscriberConfig
from pipeline.posting import Posting
from pipeline.store import Store
from pipeline.store.runs import SourceRun

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def test_text_with_nul_characters_is_stored_without_them_on_every_backend(db_url):
    """A resume read from a PDF or a board's error message may hold NUL: not a database error."""
    with Store(db_url) as store:
        dana = store.save_subscriber(SubscriberConfig(email="dana@example.org", name="Da\x00na"),
                                     resume_text="RN\x00 case manager")
        store.record_source_run(SourceRun(source="board", started_at=T0, status="failed",
                                          error="HTTP 500: \x00\x00oops"))
        store.upsert_postings([Posting(source="board", source_id="1", title="RN Case Manager")],
                              now=T0)
        (posting,) = store.open_postings()
        queued = store.enqueue_digest(dana.id, dana.email, "<m1@example.org>", "1 new\x00 job",
                                      "{}", {posting.id: 0.8})
        store.mark_failed(queued, "550 no such\x00 user")
    with Store(db_url) as store:
        dana = store.get_subscriber("dana@example.org")
        assert (dana.name, dana.resume_text) == ("Dana", "RN case manager")
        (run,) = store.source_runs("board")
        assert run.error == "HTTP 500: oops"
        row = store.outbox_rows_by_id([queued])[queued]
        assert (row.subject, row.last_error) == ("1 new job", "550 no such user")


def test_subscribers_are_listed_in_the_same_order_on_every_backend(db_url):
    emails = ["zoe@example.org", "élise@example.org", "adam@example.org", "ann.lee@example.org",
              "anna@example.org", "Ölaf@example.org"]
    with Store(db_url) as store:
        for email in emails:
            store.save_subscriber(SubscriberConfig(email=email))
        listed = [s.email for s in store.list_subscribers()]
    assert listed == ["adam@example.org", "ann.lee@example.org", "anna@example.org",
                      "zoe@example.org", "élise@example.org", "ölaf@example.org"]
