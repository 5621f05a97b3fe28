"""Where a job is: city / region / country from location text, and remote / hybrid / on-site.

``parse_location`` reads "Columbus, OH", "Austin, Texas, United States", "London, UK",
"Remote - US", "Hybrid (Chicago, IL)"; only the first of several locations ("A; B", "A | B",
"A or B") is read. ``canonical_region`` writes a state or province sent as a name ('Illinois')
as its code ('IL'), as location text gives it. ``parse_remote`` weighs, in order, a board's
workplace type ("remote", "hybrid", "on-site", "TELECOMMUTE"), its remote flag, the location
text, then other text such as the title; ``Remote.UNKNOWN`` when nothing says.
"""

from __future__ import annotations

import re

from pipeline.normalize.places import country_code, region_of
from pipeline.posting import Remote

_REMOTE_WORDS = re.compile(r"\b(remote|telecommut\w*|work from home|wfh|virtual|anywhere)\b", re.I)
_HYBRID_WORDS = re.compile(r"\bhybrid\b", re.I)
_ONSITE_WORDS = re.compile(r"\b(on[- ]?site|in[- ]office|in[- ]person)\b", re.I)
_MODE_PREFIX = re.compile(
    r"^\s*(?:(?:fully |100% )?remote|hybrid|on[- ]?site|telecommute|anywhere|virtual)\b"
    r"\s*(?:[-–—:,/|]\s*|\bin\b\s*)?", re.I)
_MODE_SUFFIX = re.compile(r"\s*(?:[-–—,(/|]\s*)?\b(?:remote|hybrid|on[- ]?site)\b\)?\s*$", re.I)
_NOWHERE = re.compile(r"^(?:the\s+)?(?:world|worldwide|anywhere|global|earth|international)$",
                      re.I)  # "Anywhere in the World", "Worldwide": a remote job's reach, no place
_SEPARATORS = re.compile(r"\s*(?:;|\||\n|\bor\b)\s*")
_WORKPLACE = {
    "remote": Remote.REMOTE, "fully remote": Remote.REMOTE, "telecommute": Remote.REMOTE,
    "hybrid": Remote.HYBRID, "on-site": Remote.ONSITE, "onsite": Remote.ONSITE,
    "on site": Remote.ONSITE, "in-office": Remote.ONSITE, "office": Remote.ONSITE,
    "in_office": Remote.ONSITE, "on_site": Remote.ONSITE,
}


def parse_remote(*, flag: bool | str | None = None, workplace_type: str | None = None,
                 location: str | None = None, text: str | None = None) -> Remote:
    """Remote / hybrid / on-site from the strongest evidence available (see module docstring)."""
    if workplace_type:
        mode = _WORKPLACE.get(workplace_type.strip().lower().replace("_", "-"))
        mode = mode or _WORKPLACE.get(workplace_type.strip().lower())
        if mode is not None:
            return mode
    from_location = _mode_in(location) if location else Remote.UNKNOWN
    if from_location is Remote.HYBRID:
        return Remote.HYBRID
    truth = _flag(flag)
    if truth is True:
        return Remote.REMOTE
    if from_location is not Remote.UNKNOWN:
        return from_location
    if truth is False:
        return Remote.ONSITE
    return _mode_in(text) if text else Remote.UNKNOWN


def _flag(flag: bool | str | None) -> bool | None:
    """A remote flag as True / False / None; boards send booleans or 'true' / 'yes' strings."""
    if flag is None or isinstance(flag, bool):
        return flag
    word = str(flag).strip().lower()
    if word in ("true", "yes", "y", "1", "remote"):
        return True
    if word in ("false", "no", "n", "0"):
        return False
    return None


def _mode_in(text: str) -> Remote:
    """The work mode a short text states: hybrid beats remote beats on-site."""
    if _HYBRID_WORDS.search(text):
        return Remote.HYBRID
    if _REMOTE_WORDS.search(text):
        return Remote.REMOTE
    if _ONSITE_WORDS.search(text):
        return Remote.ONSITE
    return Remote.UNKNOWN


def parse_location(text: str | None) -> tuple[str | None, str | None, str | None]:
    """(city, region, country) of a location text; parts the text does not give are None."""
    if not text or not text.strip():
        return (None, None, None)
    first = _SEPARATORS.split(text.strip())[0]
    inner = re.search(r"\(([^)]*)\)", first)
    if inner and _MODE_PREFIX.match(first):
        first = inner.group(1)  # "Hybrid (Chicago, IL)"
    place = _MODE_SUFFIX.sub("", _MODE_PREFIX.sub("", first)).strip(" -–—,()")
    place = re.sub(r"\([^)]*\)", "", place).strip(" -–—,")
    if not place or _NOWHERE.match(place):
        return (None, None, None)
    parts = [part.strip() for part in place.split(",") if part.strip()]
    return _from_parts(parts)


def canonical_region(region: str | None,
                     country: str | None) -> tuple[str | None, str | None]:
    """A US state or Canadian province as its code, with its country: 'Illinois' -> ('IL', 'US').

    Boards that send address parts write 'Illinois' where location text gives 'IL'; one form lets
    filters and de-duplication compare them. A region of another country, or one the tables do
    not know, is kept as written.
    """
    found = region_of(region) if region else None
    if found is None:
        return region, country
    code = country and (country_code(country) or country.strip().upper())
    return found if not code or code == found[1] else (region, country)


def _from_parts(parts: list[str]) -> tuple[str | None, str | None, str | None]:
    """Read comma-separated parts: [place], [city, region|country], [city, region, country]."""
    if len(parts) == 1:
        only = parts[0]
        country = country_code(only)
        if country:
            return (None, None, country)
        region = region_of(only)
        if region:
            return (None, region[0], region[1])
        return (only, None, None)
    city, rest = parts[0], parts[1:]
    if len(rest) == 1:
        country = country_code(rest[0])
        region = region_of(rest[0])
        if region:
            return (city, region[0], region[1])
        if country:
            return (city, None, country)
        return (city, rest[0], None)
    region = region_of(rest[0])
    country = country_code(rest[-1]) or (region[1] if region else rest[-1])
    return (city, region[0] if region else rest[0], country)
