"""Fixture postings of the report tests and the database they are stored in, with a subscriber
whose expected figures the tests compute by hand (see the comments)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pipeline.config import SubscriberConfig, parse_config
from pipeline.posting import Posting, Remote
from pipeline.store import Store
from pipeline.store.schema import utcnow

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "lee@example.org"
RESUME = ("Lee Park, Registered Nurse (RN). Five years of discharge planning and utilization "
          "review on a hospital unit; care coordination for heart failure patients.\n")


def make_posting(source: str, sid: str, title: str, company: str, city: str | None,
             region: str | None, remote: Remote, text: str, pay=None, period="year"):
    low, high = pay if isinstance(pay, tuple) else (pay, pay)
    location = f"{city}, {region}" if city else "Remote"
    return Posting(source=source, source_id=sid, title=title, company=company, city=city,
                   region=region, location=location, remote=remote, description=text,
                   salary_min=low, salary_max=high, salary_currency="USD" if pay else None,
                   salary_period=period if pay else None, url=f"https://jobs.example.org/{sid}")


ONSITE, REMOTE = Remote.ONSITE, Remote.REMOTE
#: Open postings of the board "main". The subscriber wants Texas or remote and at least
#: $90,000 a year; P5 pays too little (in the pay figures only), P6 is in Illinois (nowhere).
MAIN = [
    make_posting("main", "P1", "RN Case Manager", "Acme Health", "Austin", "TX", ONSITE,
             "Active RN license required. CCM certification required. Discharge planning "
             "and utilization review for inpatients.", (40, 45), "hour"),  # 88,400 / top 93,600
    make_posting("main", "P2", "Nurse Case Manager", "Baylor Care", "Dallas", "TX", ONSITE,
             "RN license required. CCM certification required. Discharge planning for "
             "surgical patients.", (95000, 105000)),  # 100,000
    make_posting("main", "P3", "Care Manager", "Cedar Health", None, None, REMOTE,
             "RN license required. CCM preferred. Motivational interviewing with members.",
             (100000, 120000)),  # 110,000
    make_posting("main", "P4", "Utilization Review Nurse", "Delta Insurance", "Houston", "TX",
             ONSITE, "Utilization review of admissions against criteria.", 45, "hour"),  # 93,600
    make_posting("main", "P5", "Care Coordinator", "Evergreen Clinic", "San Antonio", "TX", ONSITE,
             "LCSW required. Care coordination for families.", 70000),  # 70,000: below minimum
    make_posting("main", "P6", "Case Manager", "Fox Health", "Chicago", "IL", ONSITE,
             "RN license required. Discharge planning.", 200000),  # Illinois: filtered out
    make_posting("main", "P10", "RN Care Manager", "Acme Health, Inc.", "El Paso", "TX", ONSITE,
             "RN license required. Care coordination and discharge planning."),  # no pay
    make_posting("main", "P11", "Complex Case Manager", "Harbor Health", None, None, REMOTE,
             "RN license required. CCM or ACM certification required. Motivational "
             "interviewing.", (100000, 110000)),  # 105,000
]
#: The same job as P2 on another board: de-duplicated, never counted.
DUPLICATE = make_posting("copy", "P7", "Nurse Case Manager", "Baylor Care", "Dallas", "TX", ONSITE,
                     "RN license required. CCM certification required.", (95000, 105000))
#: Closed 60 days ago: counted in the 90-day window only.
OLD = make_posting("old", "P8", "Care Manager", "Granite Health", "Lubbock", "TX", ONSITE,
               "RN license required. CCM certification required.", 52, "hour")  # 108,160
#: Closed 10 days ago, the same opening as P10 (employer, title, place): counted once.
REPOST = make_posting("repost", "P9", "RN Care Manager", "Acme Health", "El Paso", "TX", ONSITE,
                  "RN license required. Care coordination and discharge planning.")


def store_market(tmp_path):
    """(config, store, now) with the fixture postings stored and the subscriber saved."""
    config = parse_config({
        "database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
        "profile": {"path": str(ROOT / "models" / "care_manager.yaml")},
        "email": {"unsubscribe_url": "https://alerts.example.org"},
    }, base_dir=tmp_path)
    store = Store(config.database_url())
    now = utcnow()
    for batch in (MAIN, [DUPLICATE], [OLD], [REPOST]):
        store.upsert_postings(batch)
    ids = {p.source_id: p.id for p in store.all_postings()}
    store.set_canonical({ids["P7"]: ids["P2"]})
    store.close_missing("old", [], now=now - timedelta(days=60))
    store.close_missing("repost", [], now=now - timedelta(days=10))
    store.save_subscriber(SubscriberConfig(
        email=EMAIL, name="Lee Park", min_score=0.0,
        filters={"states": ["TX"], "min_salary": 90000}), resume_text=RESUME)
    return config, store, now
