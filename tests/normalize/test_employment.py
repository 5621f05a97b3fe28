"""Employment types from every board's spelling into one vocabulary that filters can match."""

from __future__ import annotations

import pytest

from pipeline.config import Filters, parse_config
from pipeline.errors import ConfigError
from pipeline.match.filters import filter_mask, posting_columns
from pipeline.normalize import employment_types, parse_employment_type
from pipeline.posting import Posting


@pytest.mark.parametrize(("raw", "expected"), [
    ("full_time", "full-time"),  # Remotive
    ("Full Time", "full-time"),  # Lever, Himalayas
    ("FULL_TIME", "full-time"),  # schema.org JSON-LD
    ("FullTime", "full-time"),  # Ashby
    ("Full-time", "full-time"),  # Workable, USAJOBS
    ("Full Time Hourly", "full-time"),
    ("PartTime", "part-time"),
    ("part_time", "part-time"),
    ("CONTRACTOR", "contract"),
    ("Contractor", "contract"),
    ("freelance", "contract"),
    ("TEMPORARY", "temporary"),
    ("Seasonal", "temporary"),
    ("PER_DIEM", "per-diem"),
    ("PRN", "per-diem"),
    ("Part Time - Per Diem", "per-diem"),  # the more specific term wins
    ("Intermittent", "per-diem"),  # USAJOBS' as-needed schedule
    ("INTERN", "internship"),
    ("Internship", "internship"),
    ("Regular", None),  # names no type: left for filters to keep
    ("OTHER", None),
    ("International", None),  # no 'intern' inside other words
    ("", None),
    (None, None),
])
def test_each_board_spelling(raw, expected):
    assert parse_employment_type(raw) == expected


def test_several_types_keep_their_order_without_repeats():
    assert employment_types(["FULL_TIME", "PART_TIME"]) == ["full-time", "part-time"]
    assert employment_types("Full-time, Part-time") == ["full-time", "part-time"]
    assert employment_types("Temporary/Seasonal") == ["temporary"]
    assert parse_employment_type(["PART_TIME", "FULL_TIME"]) == "part-time"
    assert employment_types([3, None, "Contract"]) == ["contract"]


def test_a_subscriber_filter_matches_every_board_spelling():
    raws = ["full_time", "Full Time", "FULL_TIME", "FullTime", "Full-time", "PRN", "Regular"]
    postings = [Posting(source="s", source_id=str(i), title="Care Manager",
                        employment_type=parse_employment_type(raw))
                for i, raw in enumerate(raws)]
    keep = filter_mask(posting_columns(postings), Filters(employment_types=["full-time"]))
    kept = [raw for raw, kept in zip(raws, keep, strict=True) if kept]
    assert kept == ["full_time", "Full Time", "FULL_TIME", "FullTime", "Full-time", "Regular"]


def test_jobs_yaml_filters_use_the_same_vocabulary(tmp_path):
    def subscriber(types):
        return {"sources": [], "subscribers": [
            {"email": "a@example.org", "filters": {"employment_types": types}}]}

    config = parse_config(subscriber(["Full Time", "PRN", "contractor", "full-time"]),
                          base_dir=tmp_path)
    assert config.subscribers[0].filters.employment_types == ["full-time", "per-diem", "contract"]
    with pytest.raises(ConfigError, match=r"employment_types: unknown employment type 'fulltme'; "
                                          r"allowed: full-time, part-time, contract"):
        parse_config(subscriber(["fulltme"]), base_dir=tmp_path)
