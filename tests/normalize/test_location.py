"""Locations into city / region / country, and remote / hybrid / on-site."""

from __future__ import annotations

import pytest

from pipeline.normalize import canonical_region, parse_location, parse_remote
from pipeline.posting import Remote


@pytest.mark.parametrize(("text", "expected"), [
    ("Columbus, OH", ("Columbus", "OH", "US")),
    ("Austin, Texas", ("Austin", "TX", "US")),
    ("San Francisco, CA, USA", ("San Francisco", "CA", "US")),
    ("Austin, Texas, United States", ("Austin", "TX", "US")),
    ("Toronto, ON", ("Toronto", "ON", "CA")),
    ("London, UK", ("London", None, "GB")),
    ("Berlin, Germany", ("Berlin", None, "DE")),
    ("Remote - US", (None, None, "US")),
    ("Remote (US)", (None, None, "US")),
    ("US Remote", (None, None, "US")),
    ("Remote, USA", (None, None, "US")),
    ("Remote", (None, None, None)),
    ("Hybrid (Chicago)", ("Chicago", None, None)),
    ("Hybrid (Chicago, IL)", ("Chicago", "IL", "US")),
    ("Ohio", (None, "OH", "US")),
    ("New York, NY; Boston, MA", ("New York", "NY", "US")),
    ("Springfield", ("Springfield", None, None)),
    (None, (None, None, None)),
    ("", (None, None, None)),
])
def test_parse_location(text, expected):
    assert parse_location(text) == expected


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"flag": True}, Remote.REMOTE),
    ({"flag": False}, Remote.ONSITE),
    ({"flag": "true"}, Remote.REMOTE),
    ({"workplace_type": "remote"}, Remote.REMOTE),
    ({"workplace_type": "hybrid"}, Remote.HYBRID),
    ({"workplace_type": "on-site"}, Remote.ONSITE),
    ({"workplace_type": "onsite"}, Remote.ONSITE),
    ({"workplace_type": "OnSite"}, Remote.ONSITE),
    ({"workplace_type": "TELECOMMUTE"}, Remote.REMOTE),
    ({"workplace_type": "unspecified"}, Remote.UNKNOWN),
    ({"workplace_type": "unspecified", "location": "Remote - US"}, Remote.REMOTE),
    ({"location": "Remote - US"}, Remote.REMOTE),
    ({"location": "Hybrid (Chicago)"}, Remote.HYBRID),
    ({"location": "Columbus, OH"}, Remote.UNKNOWN),
    ({"location": "Columbus, OH", "flag": False}, Remote.ONSITE),
    ({"location": "Hybrid (Chicago)", "flag": True}, Remote.HYBRID),
    ({"workplace_type": "hybrid", "flag": True}, Remote.HYBRID),
    ({"text": "Nurse Case Manager - Work From Home"}, Remote.REMOTE),
    ({"text": "Care Coordinator (Hybrid)"}, Remote.HYBRID),
    ({}, Remote.UNKNOWN),
])
def test_parse_remote(kwargs, expected):
    assert parse_remote(**kwargs) is expected


@pytest.mark.parametrize(
    "text", ["Anywhere in the World", "Worldwide", "Global", "Remote - Worldwide"])
def test_worldwide_is_no_place(text):
    assert parse_location(text) == (None, None, None)


@pytest.mark.parametrize(("region", "country", "expected"), [
    ("Illinois", "US", ("IL", "US")),
    ("Illinois", "United States", ("IL", "US")),
    ("illinois", None, ("IL", "US")),
    ("IL", "US", ("IL", "US")),
    ("Ontario", "CA", ("ON", "CA")),
    ("Georgia", "GE", ("Georgia", "GE")),  # the country, not the state
    ("Bavaria", "DE", ("Bavaria", "DE")),
    (None, "US", (None, "US")),
])
def test_canonical_region(region, country, expected):
    assert canonical_region(region, country) == expected
