"""Choosing a subscriber's next digest, and the data a digest is rendered from.

``select_matches`` takes the ranked matches (``choose`` takes lazily ranked candidates) and keeps
the ones a subscriber should get: above their threshold, never a posting already given to them,
still open, at most ``max_per_employer`` from one employer, at most ``digest_size``, best first.
``digest_items`` turns them into plain dicts: that is what the outbox stores, so a queued digest
can be rendered (again) at send time without the matcher.
A posting is not sent when the subscriber already had the same opening (employer, title and
location) from another listing. Posting text is untrusted: it is kept as text here and escaped
by the templates; only http(s) links survive as links. The text under each posting is
``snippet.role_snippet``: what the job is, not the employer's boilerplate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from urllib.parse import urlsplit

from pipeline.normalize.opening import norm_company, opening_key
from pipeline.notify.snippet import role_snippet
from pipeline.posting import Remote
from pipeline.store import Store, Subscriber

_CURRENCY = {"USD": "$", "CAD": "CA$", "EUR": "€", "GBP": "£", "AUD": "A$"}
#: Candidates whose postings' openness ``choose`` looks up in one query.
_OPEN_BATCH = 32
_PERIOD = {"hour": "an hour", "day": "a day", "week": "a week", "month": "a month",
           "year": "a year"}


@dataclass
class History:
    """What a subscriber already had: the postings put in their digests and their openings."""

    sent: set[int] = field(default_factory=set)
    openings: set[tuple] = field(default_factory=set)

    @classmethod
    def of_many(cls, store: Store, subscribers: list[Subscriber]) -> dict[int, History]:
        """Each subscriber's history, read in one pass (each posting's opening worked out
        once however many subscribers had it)."""
        keys: dict[int, tuple | None] = {}
        histories = {}
        for subscriber_id, had in store.delivered_postings_of(s.id for s in subscribers).items():
            history = histories[subscriber_id] = cls()
            for posting in had:
                history.sent.add(posting.id)
                if posting.id not in keys:
                    keys[posting.id] = opening_key(posting)
                if keys[posting.id] is not None:
                    history.openings.add(keys[posting.id])
        return histories


def select_matches(matches: list, subscriber: Subscriber, store: Store, *, min_score: float,
                   max_per_employer: int, history: History | None = None) -> list:
    """The matches for the next digest of ``subscriber``, best first.

    Only postings first seen since the subscriber's last digest are new to them: postings that
    fitted but lost their place to better ones in an earlier digest are not sent later, so a run
    that finds nothing new sends nothing (a new subscriber starts with everything open).
    """
    ranked = sorted(matches, key=lambda m: m.score, reverse=True)
    return choose(((m.posting, m.score, m) for m in ranked), subscriber, store,
                  min_score=min_score, max_per_employer=max_per_employer, history=history)


def choose(candidates: Iterable[tuple], subscriber: Subscriber, store: Store, *,
           min_score: float, max_per_employer: int, history: History | None = None,
           openness: dict[int, bool] | None = None) -> list:
    """The third item of each (posting, shown score, item) candidate, taken best first (the
    candidates' order) while it is news to the subscriber, above ``min_score``, within the
    per-employer cap and still open, up to ``digest_size``; candidates are read lazily.
    ``history``: what the subscriber already had (``History.of_many``), else read here;
    ``openness``: whether postings are open, as looked up for earlier subscribers of the same
    pass (grown here; the relay checks again just before sending)."""
    is_news, openings = _news(subscriber, history or History.of_many(store, [subscriber])[
        subscriber.id])
    per_employer: Counter[str] = Counter()
    chosen = []
    for posting, shown, item, still_open in _with_openness(candidates, store, openness):
        employer = norm_company(posting.company)  # "Acme Health, Inc." is "Acme Health"
        if shown < min_score or not is_news(posting) or (
                employer and per_employer[employer] >= max_per_employer):
            continue
        if not still_open:
            continue
        per_employer[employer] += 1
        openings.add(opening_key(posting))  # one listing of an opening per digest, too
        chosen.append(item)
        if len(chosen) >= subscriber.digest_size:
            break
    return chosen


def _with_openness(candidates: Iterable[tuple], store: Store,
                   known: dict[int, bool] | None = None) -> Iterator[tuple]:
    """Each (posting, shown, item) candidate with whether its posting is still open, looked up
    in one query per ``_OPEN_BATCH`` candidates read (a query per posting cost a round trip
    for each of the ten postings of each of a thousand digests), for postings not ``known``
    yet."""
    known = {} if known is None else known
    candidates = iter(candidates)
    while batch := list(islice(candidates, _OPEN_BATCH)):
        ask = list(dict.fromkeys(c[0].id for c in batch
                                 if c[0].id is not None and c[0].id not in known))
        if ask:
            still_open = store.still_open(ask)
            known.update((posting_id, posting_id in still_open) for posting_id in ask)
        for posting, shown, item in batch:
            yield posting, shown, item, known.get(posting.id, False)


def _news(subscriber: Subscriber, history: History):
    """(is_news(posting), the openings the subscriber already had) for ``select_matches``."""
    sent = history.sent
    # The same opening listed again (another board, a repost, a duplicate that became the
    # canonical listing when the first one closed) is not news either.
    openings = set(history.openings)
    since = subscriber.last_digest_at

    def is_news(posting) -> bool:
        if posting.id is None or posting.id in sent:
            return False
        key = opening_key(posting)
        if key is not None and key in openings:
            return False
        return since is None or posting.first_seen is None or posting.first_seen > since

    return is_news, openings


def safe_url(url: str | None) -> str | None:
    """The URL when it is an absolute http(s) link, else None (javascript:, data:, relative...)."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in url for ch in "\"'<> \t\r\n"):
        return None
    return url


def salary_text(posting) -> str | None:
    """'$85,000–$100,000 a year', '$42 an hour', or None when unknown."""
    low, high = posting.salary_min, posting.salary_max
    if low is None and high is None:
        return None
    symbol = _CURRENCY.get((posting.salary_currency or "USD").upper())
    def money(value: float) -> str:
        amount = f"{value:,.0f}" if value >= 1000 or value == int(value) else f"{value:,.2f}"
        return f"{symbol}{amount}" if symbol else f"{amount} {posting.salary_currency}"
    span = money(low) if high is None or low == high else (
        f"up to {money(high)}" if low is None else f"{money(low)}–{money(high)}")
    period = _PERIOD.get(posting.salary_period or "")
    return f"{span} {period}" if period else span


#: Places shown for an opening posted in several cities; the rest are counted.
_PLACES_SHOWN = 3


def where_text(posting) -> str:
    """Location and remote status in a few words (every city of an opening posted in several,
    up to ``_PLACES_SHOWN``); a remote job restricted to some states says so:
    "Remote (AZ residents only)", "Remote (not open to CA residents)"."""
    label = {Remote.REMOTE: "Remote", Remote.HYBRID: "Hybrid", Remote.ONSITE: "On-site"}.get(
        posting.remote)
    places = posting.extra.get("opening_locations") or [posting.location or ""]
    place = "; ".join(p.strip() for p in places[:_PLACES_SHOWN])
    if len(places) > _PLACES_SHOWN:
        place += f" and {len(places) - _PLACES_SHOWN} more"
    rule = _residency_text(posting) if posting.remote is Remote.REMOTE else None
    if rule:
        return f"{place} (Remote, {rule})" if place and "remote" not in place.lower() else (
            f"Remote ({rule})")
    if label and place and label.lower() not in place.lower():
        return f"{place} ({label})"
    return place or label or "Location not given"


def _residency_text(posting) -> str | None:
    """'AZ residents only', 'not open to CA or NY residents', or None (open to any state)."""
    if posting.extra.get("residency"):
        return f"{_and_list(posting.extra['residency'])} residents only"
    if posting.extra.get("residency_excluded"):
        return f"not open to {_and_list(posting.extra['residency_excluded'])} residents"
    return None


def _and_list(items: list[str]) -> str:
    """'AZ', 'AZ or CO', 'AZ, CO or TX'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _why(why) -> dict:
    return {
        "summary": why.summary(),
        "title_match": why.title_match,
        "skills": list(why.skills),
        "credentials": list(why.credentials),
        "missing_credentials": list(why.missing_credentials),
        "resume_terms": list(why.resume_terms),
    }


def digest_items(matches: list, shown: dict[int, tuple] | None = None) -> list[dict]:
    """The JSON-ready data of each posting of a digest (stored in the outbox); ``shown``: what
    each posting shows whoever gets it (``_shown``), by the ``id`` of the posting object, as
    worked out for earlier digests of the same pass (grown here)."""
    shown = {} if shown is None else shown
    items = []
    for match in matches:
        posting = match.posting
        known = shown.get(id(posting))
        if known is None or known[0] is not posting:
            known = shown[id(posting)] = (posting, *_shown(posting))
        _, facts, snippet = known
        items.append({**facts, "score": round(float(match.score), 4),
                      "strength": match.strength, "why": _why(match.why), "snippet": snippet})
    return items


def _shown(posting) -> tuple[dict, str]:
    """What a digest item shows of a posting whoever gets it: the fields before the score
    (in their order), and the snippet."""
    posted = posting.posted_at or posting.first_seen
    return {
        "posting_id": posting.id, "title": posting.title,
        "company": posting.company or "Employer not named", "where": where_text(posting),
        "salary": salary_text(posting), "posted_at": posted.isoformat() if posted else None,
        "url": safe_url(posting.url),
    }, role_snippet(posting.description, posting.company, posting.title)
