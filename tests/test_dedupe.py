"""De-duplication: same job on several boards, one opening in many cities, with a real SQLite
file and a real PostgreSQL database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from pipeline import dedupe as dedupe_module
from pipeline.dedupe import dedupe_postings, find_duplicate_groups
from pipeline.normalize.opening import norm_company, norm_title
from pipeline.posting import Posting
from pipeline.store import Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BOILERPLATE = ("Acme Health is an equal opportunity employer. We offer medical, dental and "
               "vision coverage, a 401k match and paid time off. ")
CASE_MANAGER = ("As a Nurse Case Manager you assess members after hospital discharge, build "
                "individual care plans with physicians and families, coordinate home health and "
                "durable medical equipment, and track outcomes against quality measures. "
                "Requires an active RN license and two years of acute care experience. ")
BILLING = ("As a Billing Specialist you prepare and submit insurance claims, post payments, "
           "follow up on denials with payers, reconcile patient accounts each month and answer "
           "billing questions from patients over the phone and by mail. ")


def posting(source: str, source_id: str, title: str = "Nurse Case Manager",
            company: str = "Acme Health", location: str = "Columbus, OH",
            description: str = CASE_MANAGER + BOILERPLATE) -> Posting:
    """A posting with the fields dedupe looks at."""
    return Posting(source=source, source_id=source_id, title=title, company=company,
                   location=location, description=description,
                   url=f"https://{source}.example.org/{source_id}")


@pytest.fixture
def store(db_url):
    """A store on SQLite and on PostgreSQL: both keep what a pass needs for the next one."""
    with Store(db_url) as opened:
        yield opened


def test_normalized_names():
    assert norm_company("Acme Health, Inc.") == norm_company("ACME Health") == "acme health"
    assert norm_title("RN Case Manager (Remote) - Req #123456") == "rn case manager"


def test_same_employer_title_and_place_on_two_boards():
    postings = [posting("greenhouse", "1", company="Acme Health, Inc.", description="short"),
                posting("lever", "x", company="Acme Health", description="other words"),
                posting("lever", "y", location="Denver, CO", description="short")]
    assert find_duplicate_groups(postings) == [[0, 1]]


def test_board_token_as_company_matches_the_employer_name():
    postings = [posting("greenhouse", "1", company="acmehealth"),
                posting("lever", "x", company="Acme Health, Inc.")]
    assert find_duplicate_groups(postings) == [[0, 1]]


def test_one_opening_in_many_cities_is_one_group():
    cities = ["Columbus, OH", "Dayton, OH", "Toledo, OH"]
    postings = [posting("greenhouse", str(i), location=c) for i, c in enumerate(cities)]
    assert find_duplicate_groups(postings) == [[0, 1, 2]]


def test_nearly_identical_text_with_a_changed_sentence_is_one_group():
    edited = CASE_MANAGER.replace("two years", "three years") + BOILERPLATE
    postings = [posting("a", "1"), posting("b", "2", title="Case Manager, RN",
                                           location="Remote - US", description=edited)]
    assert find_duplicate_groups(postings) == [[0, 1]]


def test_different_jobs_of_one_employer_with_shared_boilerplate_stay_apart():
    postings = [posting("a", "1", location="Dayton, OH"),
                posting("a", "2", title="Billing Specialist", description=BILLING + BOILERPLATE)]
    assert find_duplicate_groups(postings) == []


def test_same_text_at_different_employers_stays_apart():
    postings = [posting("a", "1", company="Acme Health"),
                posting("b", "2", company="Borealis Care")]
    assert find_duplicate_groups(postings) == []


@pytest.mark.parametrize("batch_rows", [2, 4096])
def test_employers_weighed_together_are_still_compared_only_within_themselves(
        monkeypatch, batch_rows):
    monkeypatch.setattr(dedupe_module, "BATCH_ROWS", batch_rows)
    edited = CASE_MANAGER.replace("two years", "three years") + BOILERPLATE
    billing = BILLING + BOILERPLATE
    postings = [posting("a", "1", location="Columbus, OH"),
                posting("a", "2", title="Billing Specialist", description=billing),
                posting("b", "3", company="Borealis Care", location="Dayton, OH"),
                posting("b", "4", company="Borealis Care", title="Billing Specialist",
                        location="Dayton, OH", description=billing),
                posting("b", "5", company="Borealis Care", location="Remote - US",
                        description=edited)]
    assert find_duplicate_groups(postings) == [[2, 4]]


def test_unknown_employer_is_never_grouped():
    postings = [posting("a", "1", company=""), posting("b", "2", company="")]
    assert find_duplicate_groups(postings) == []


def test_store_keeps_one_posting_with_all_its_listings(store):
    store.upsert_postings([posting("greenhouse", "1"), posting("lever", "x"),
                           posting("lever", "y", location="Dayton, OH")], NOW)
    report = dedupe_postings(store)
    assert (report.groups, report.duplicates) == (1, 2)
    [kept] = store.open_postings()
    assert kept.source == "greenhouse"
    listed = [(d["source"], d["source_id"]) for d in kept.extra["duplicate_listings"]]
    assert listed == [("lever", "x"), ("lever", "y")]
    assert kept.extra["opening_locations"] == ["Columbus, OH", "Dayton, OH"]
    assert store.count_postings(open_only=True) == 1


def test_running_again_changes_nothing(store):
    store.upsert_postings([posting("a", "1"), posting("b", "2")], NOW)
    dedupe_postings(store)
    before = [(p.source_id, p.extra) for p in store.all_postings()]
    dedupe_postings(store)
    assert [(p.source_id, p.extra) for p in store.all_postings()] == before


def test_when_the_canonical_closes_the_other_listing_takes_over(store):
    store.upsert_postings([posting("a", "1"), posting("b", "2")], NOW)
    dedupe_postings(store)
    store.close_missing("a", [], NOW + timedelta(hours=1))
    report = dedupe_postings(store)
    assert report.groups == 0
    [kept] = store.open_postings()
    assert kept.source == "b" and "duplicate_listings" not in kept.extra


def test_board_extra_is_kept_beside_the_notes(store):
    first = posting("a", "1")
    first.extra = {"locations": ["Columbus, OH"], "department": "Care"}
    store.upsert_postings([first, posting("b", "2")], NOW)
    dedupe_postings(store)
    [kept] = store.open_postings()
    assert kept.extra["department"] == "Care" and kept.extra["locations"] == ["Columbus, OH"]
    assert "duplicate_listings" in kept.extra


def _state(store) -> list:
    return [(p.source_id, p.extra) for p in store.all_postings()] + [
        (p.source_id, None) for p in store.open_postings()]


def test_a_pass_regroups_only_the_employers_whose_postings_changed(store, monkeypatch):
    store.upsert_postings([posting("a", "1"), posting("b", "2"),
                           posting("a", "3", company="Blue Plan"),
                           posting("b", "4", company="Blue Plan")], NOW)
    assert (dedupe_postings(store).groups, len(store.open_postings())) == (2, 2)
    read = []
    real = dedupe_module.find_duplicate_groups
    monkeypatch.setattr(dedupe_module, "find_duplicate_groups",
                        lambda postings, *terms: read.extend(p.company for p in postings)
                        or real(postings, *terms))
    store.upsert_postings([posting("c", "5", company="Blue Plan")], NOW + timedelta(hours=1))
    report = dedupe_postings(store)
    assert set(read) == {"Blue Plan"}, "Acme Health's postings did not change: not read again"
    assert (report.groups, report.duplicates) == (2, 3)
    [blue] = [p for p in store.open_postings() if p.company == "Blue Plan"]
    assert [d["source_id"] for d in blue.extra["duplicate_listings"]] == ["4", "5"]


def test_passes_over_changes_agree_with_a_full_pass(store, tmp_path):
    store.upsert_postings([posting("a", "1"), posting("b", "2"), posting("c", "3", title="Billing",
                           description=BILLING + BOILERPLATE)], NOW)
    dedupe_postings(store)
    changes = [
        lambda: store.upsert_postings([posting("d", "4", location="Dayton, OH")], NOW),
        lambda: store.close_missing("a", [], NOW + timedelta(hours=1)),
        lambda: store.upsert_postings([posting("b", "2", description=BILLING + BOILERPLATE)],
                                      NOW + timedelta(hours=2)),
    ]
    for change in changes:
        change()
        report = dedupe_postings(store)
        incremental = _state(store)
        store.keep_blob(dedupe_module.STATE, b"{}")  # forget: every employer again
        full = dedupe_postings(store)
        assert _state(store) == incremental
        assert (report.groups, report.duplicates) == (full.groups, full.duplicates)


def _recording_weighed(monkeypatch) -> list[int]:
    """The sizes of the employers whose descriptions a pass weighs, recorded as it weighs them."""
    weighed: list[int] = []
    real = dedupe_module._block_tfidf
    monkeypatch.setattr(dedupe_module, "_block_tfidf",
                        lambda counts, sizes: weighed.extend(sizes) or real(counts, sizes))
    return weighed


def test_descriptions_are_weighed_only_where_they_could_join_postings(store, monkeypatch):
    store.upsert_postings([posting("a", "1"), posting("b", "2"),  # same title and place
                           posting("a", "3", title="Billing Specialist",
                                   description=BILLING + BOILERPLATE),
                           posting("a", "5", company="Blue Plan"),  # one opening, two cities
                           posting("b", "6", company="Blue Plan", location="Dayton, OH")], NOW)
    weighed = _recording_weighed(monkeypatch)
    report = dedupe_postings(store)
    assert weighed == [2], "Acme Health's alike titles were grouped by title and place"
    assert (report.groups, report.duplicates) == (2, 2)
    assert sorted(p.source_id for p in store.open_postings()) == ["1", "3", "5"]


def test_an_employer_with_very_many_titles_is_weighed_without_pairing_its_titles(
        store, monkeypatch):
    """Whether two titles are alike is checked pair by pair, which for an employer with
    thousands of unalike titles costs more than weighing its descriptions: past
    ``MAY_JOIN_TITLES`` distinct titles (here 2) they are weighed, with the same groups."""
    titles = ["Billing Specialist", "Care Manager", "Payroll Clerk"]
    letters_titles = zip("abc", titles, strict=True)
    store.upsert_postings([posting(letter, str(number), title=title)
                           for number, (letter, title) in enumerate(letters_titles)], NOW)
    monkeypatch.setattr(dedupe_module, "MAY_JOIN_TITLES", 2)
    weighed = _recording_weighed(monkeypatch)
    report = dedupe_postings(store)
    assert weighed == [3], "three distinct titles, more than the limit: weighed"
    assert (report.groups, report.duplicates) == (0, 0)
    assert len(store.open_postings()) == 3


def _reading_descriptions(store, monkeypatch) -> list[int]:
    """The ids whose description the store is asked for, recorded as passes read them."""
    read: list[int] = []
    real = store.posting_descriptions
    monkeypatch.setattr(store, "posting_descriptions",
                        lambda ids: read.extend(ids) or real(ids))
    return read


def test_a_pass_hashes_only_descriptions_it_has_not_kept(store, monkeypatch):
    store.upsert_postings([posting("a", "1"), posting("b", "2", location="Dayton, OH"),
                           posting("c", "3", title="Billing Specialist",
                                   description=BILLING + BOILERPLATE)], NOW)
    assert dedupe_postings(store).groups == 1
    read = _reading_descriptions(store, monkeypatch)
    store.upsert_postings([posting("d", "4", location="Toledo, OH")], NOW + timedelta(hours=1))
    report = dedupe_postings(store)
    [new] = [p.id for p in store.all_postings() if p.source_id == "4"]
    assert read == [new], "the other descriptions of Acme Health were hashed by the last pass"
    assert (report.groups, report.duplicates) == (1, 2)


def test_a_pass_reads_no_description_of_an_employer_it_does_not_weigh(store, monkeypatch):
    """A new posting whose title is like none of its employer's others cannot join them by
    description: the pass regroups the employer without reading or hashing any description."""
    store.upsert_postings([posting("a", "1"), posting("b", "2")], NOW)  # title and place
    assert dedupe_postings(store).groups == 1
    read = _reading_descriptions(store, monkeypatch)
    store.upsert_postings([posting("c", "3", title="Billing Specialist",
                                   description=BILLING + BOILERPLATE)], NOW + timedelta(hours=1))
    report = dedupe_postings(store)
    assert read == []
    assert (report.groups, report.duplicates) == (1, 1)
    assert sorted(p.source_id for p in store.open_postings()) == ["1", "3"]


def test_a_changed_description_is_compared_by_its_new_text(store, monkeypatch):
    store.upsert_postings([posting("a", "1"), posting("b", "2", location="Dayton, OH")], NOW)
    assert dedupe_postings(store).groups == 1
    read = _reading_descriptions(store, monkeypatch)
    store.upsert_postings([posting("b", "2", location="Dayton, OH",
                                   description=BILLING + BOILERPLATE)], NOW + timedelta(hours=1))
    assert dedupe_postings(store).groups == 0
    assert [p.source_id for p in store.all_postings() if p.id in read] == ["2"]


def test_descriptions_are_split_into_words_and_pairs_as_scikit_learn_does():
    from sklearn.feature_extraction.text import HashingVectorizer

    from pipeline.dedupe.terms import count
    texts = ["Café au lait: RN/BSN, 2+ yrs. Ñandú Ærø Straße", "a I x y", "",
             "Case  manager\tcase MANAGER — case-manager; 401(k) 401k",
             "日本語の テキスト and العربية نص with ünïcödé words_with_underscores",
             "RN Case_Manager: 401(k), 2+ yrs; a b C7 x-ray X-RAY\x00\x1fEnd",
             "Case  manager\tcase MANAGER - case-manager; 401(k) 401k"]
    analyzer = HashingVectorizer(ngram_range=(1, 2)).build_analyzer()
    made = count(texts)
    for i, text in enumerate(texts):
        expected = sorted(Counter(analyzer(text)).values())
        assert sorted(made.row(i)[1].tolist()) == expected, text


def test_counts_kept_by_earlier_passes_stay_valid():
    """The same words fall into the same buckets in ASCII and other text, as they always did:
    counts kept in the database are compared with counts made today."""
    from pipeline.dedupe.terms import count, encode_rows
    ascii_text = "RN Case_Manager: 401(k), 2+ yrs; a b C7 x-ray X-RAY"
    made = count([ascii_text, ascii_text + " é", "Case manager — RN, café"])
    assert [made.row(0)[k].tolist() for k in (0, 1)] == [made.row(1)[k].tolist() for k in (0, 1)]
    assert [row.hex() for row in encode_rows(made)][::2] == [  # what every version has kept
        "01fc0c0200490e0100d50d00000b7f0500fa930000ac1b010095d8010093a801008947000097770100"
        "495200000c050000010101020101010101010101",
        "014a21060058e70200457300004f750000a89f03009e8f00004c38000001010101010101"]
