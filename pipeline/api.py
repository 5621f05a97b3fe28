"""The Python API re-exported by ``pipeline``: load a config, fetch, rank, evaluate.

    cfg = pipeline.load_config("jobs.yaml")
    pipeline.fetch(cfg)
    df = pipeline.rank(cfg, resume="cv.pdf")

Each function opens and closes what it needs (database, HTTP client); errors are the
``pipeline.errors`` classes. ``pipeline rank`` prints the same rows (``match_rows``).
"""

from __future__ import annotations

import json
from os import PathLike
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from pipeline.config import JobsConfig
    from pipeline.match import Match
    from pipeline.stages.fetch import FetchReport

#: The first columns of a ranking, in order; the posting's other fields follow.
RANK_COLUMNS = ("source", "source_id", "title", "company", "url", "score", "strength", "why",
                "title_match", "skills", "credentials", "missing_credentials", "resume_terms")


def load_config(path: str | PathLike = "jobs.yaml") -> JobsConfig:
    """Read and validate jobs.yaml and check the files it names (ConfigError on any problem)."""
    from pipeline.config import load_config as read
    from pipeline.config.checks import check_ready

    config = read(path)
    check_ready(config)
    return config


def fetch(config: JobsConfig, source: str | None = None) -> FetchReport:
    """Fetch every enabled source (or only ``source``) and store the postings, holding the run
    lock (LockedError while a run holds it)."""
    from pipeline.config.checks import check_secrets
    from pipeline.stages.fetch import fetch_sources
    from pipeline.store import Store
    from pipeline.store.leases import RUN_LOCK

    check_secrets(config, smtp=False)
    with Store(config.database_url()) as store, store.holding(RUN_LOCK):
        return fetch_sources(config, store, only=source)


def rank_matches(config: JobsConfig, resume: str | PathLike | None = None, *,
                 resume_text: str | None = None, subscriber: str | None = None,
                 top: int | None = 20) -> list[Match]:
    """The stored open postings ranked against the profile, and a resume (file or text) or a
    subscriber's resume, filters and feedback ("more like this", "not for me"), best first."""
    from pipeline.match import Matcher, read_resume
    from pipeline.match.feedback import Taste
    from pipeline.store import Store

    if sum(given is not None for given in (resume, resume_text, subscriber)) > 1:
        raise TypeError("give one of resume, resume_text or subscriber")
    if resume is not None:
        resume_text = read_resume(resume)  # a bad file fails before the database is opened
    filters, taste = None, Taste()
    with Store(config.database_url()) as store:
        postings = store.open_postings()
        if subscriber is not None:
            found = _subscriber(config, store, subscriber)
            resume_text, filters = found.resume_text, found.filters
            taste = Taste.of(store, found.id)
    matches = Matcher.from_config(config).rank(  # feedback may reorder: rank all, then cut
        postings, resume_text=taste.resume(resume_text), filters=filters,
        top=None if taste else top)
    return taste.adjust(matches)[:top]


def _subscriber(config: JobsConfig, store, email: str):
    """A stored subscriber (jobs.yaml subscribers are synced first)."""
    from pipeline.notify.subscribers import sync_subscribers

    sync_subscribers(config, store)
    return store.get_subscriber(email)


def rank(config: JobsConfig, resume: str | PathLike | None = None, *,
         resume_text: str | None = None, subscriber: str | None = None,
         top: int | None = 20) -> pd.DataFrame:
    """``rank_matches`` as a pandas DataFrame: one row per posting, best first, the columns
    ``RANK_COLUMNS`` then the posting's other fields."""
    import pandas as pd

    matches = rank_matches(config, resume, resume_text=resume_text, subscriber=subscriber,
                           top=top)
    return pd.DataFrame(match_rows(matches), columns=rank_columns())


def match_rows(matches: list[Match]) -> list[dict]:
    """Each match as one flat row: ``RANK_COLUMNS`` then the posting's other fields."""
    return [_row(match) for match in matches]


def _row(match: Match) -> dict:
    posting = match.posting.model_dump(mode="json")
    why = match.why
    row = {key: posting.pop(key) for key in RANK_COLUMNS[:5]}
    row.update(score=round(match.score, 4), strength=match.strength, why=why.summary(),
               title_match=why.title_match, skills=why.skills, credentials=why.credentials,
               missing_credentials=why.missing_credentials, resume_terms=why.resume_terms)
    return {**row, **posting}


def rank_columns() -> list[str]:
    """Every column of a ranking, in order (also when no posting matched)."""
    from pipeline.posting import Posting

    return [*RANK_COLUMNS, *(name for name in Posting.model_fields if name not in RANK_COLUMNS)]


def csv_cell(value) -> str | int | float | None:
    """A row value as one CSV cell: lists joined with "; ", mappings as JSON."""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def evaluate(config: JobsConfig, labels: str | PathLike | None = None) -> pd.DataFrame:
    """Ranking quality on labelled postings (``matching.labels`` unless ``labels``): one row per
    query and method with NDCG@10, P@10 and MAP, as ``pipeline eval`` prints them."""
    import pandas as pd

    from pipeline.match.evaluate import evaluate_config

    return pd.DataFrame(evaluate_config(config, labels).rows)
