"""The report's figures on the fixture postings (report_support), against counts made by hand.

Fitting over 90 days (Texas or remote, at least $90,000, minimum score 0): P1, P2, P3, P4, P8,
P10, P11 = 7. Left out: P5 (pays $70,000), P6 (Illinois), P7 (a duplicate of P2), P9 (the
same opening as P10, counted once). Over 30 days P8 (closed 60 days ago) drops out: 6.
"""

from __future__ import annotations

from report_support import EMAIL

from pipeline.report import market_report, subscriber_report


def _report(market):
    config, store, now = market
    return subscriber_report(config, store, store.get_subscriber(EMAIL), now)


def _by_name(items):
    return {item.name: item for item in items}


def test_credential_shares_count_each_fitting_posting_once(market):
    thirty, ninety = _report(market).windows
    assert (thirty.days, thirty.fitting, ninety.days, ninety.fitting) == (30, 6, 90, 7)
    creds = _by_name(ninety.credentials)
    # RN: P1 P2 P3 P8 P10 P11, and P4 (its text names none, its title "Nurse" needs an RN);
    # CCM: P1 P2 P3 (preferred) P8 P11; ACM: P11.
    assert (creds["RN"].count, creds["RN"].total, creds["RN"].held) == (7, 7, True)
    assert (creds["CCM"].count, creds["CCM"].required, creds["CCM"].held) == (5, 4, False)
    assert (creds["ACM"].count, creds["ACM"].required) == (1, 1)
    assert creds["LCSW"].count == 0  # only P5 asks, and P5 does not fit
    assert round(creds["CCM"].share, 4) == round(5 / 7, 4)
    assert _by_name(thirty.credentials)["CCM"].count == 4  # P8 closed before the 30 days


def test_skill_shares_and_what_the_resume_shows(market):
    ninety = _report(market).windows[1]
    skills = _by_name(ninety.skills)
    # discharge planning: P1 P2 P10; utilization review: P1 P4; motivational
    # interviewing: P3 P11; care coordination: P10 (P5's does not fit).
    assert (skills["discharge planning"].count, skills["discharge planning"].held) == (3, True)
    assert (skills["utilization review"].count, skills["utilization review"].held) == (2, True)
    assert (skills["motivational interviewing"].count,
            skills["motivational interviewing"].held) == (2, False)
    assert skills["care coordination"].count == 1
    assert all(item.total == 7 for item in ninety.skills)


def test_gaps_name_the_credential_that_opens_most_nearly_matched_postings(market):
    thirty, ninety = _report(market).windows
    # Nearly matched (filters passed, a required credential not shown): P1 P2 P8 (CCM) and
    # P11 (CCM or ACM). CCM opens all 4; ACM only P11.
    assert [(g.code, g.opens, g.nearly) for g in ninety.gaps] == [("CCM", 4, 4), ("ACM", 1, 4)]
    assert [(g.code, g.opens, g.nearly) for g in thirty.gaps] == [("CCM", 3, 3), ("ACM", 1, 3)]


def test_pay_is_annualised_with_its_posting_counts_and_hidden_when_too_few(market):
    ninety = _report(market).windows[1]
    pay = {f.label: f for f in ninety.pay}
    # Fitting whatever the pay (P5 back in): P1 40-45/h -> 88,400; P2 100,000; P3 110,000;
    # P4 45/h -> 93,600; P5 70,000; P8 52/h -> 108,160; P11 105,000; P10 states none.
    # Sorted: 70,000 88,400 93,600 [100,000] 105,000 108,160 110,000.
    assert (pay["All"].count, pay["All"].total, pay["All"].median) == (7, 8, 100000)
    assert (pay["Remote"].count, pay["Remote"].shown) == (2, False)  # P3 P11: below 5
    # Texas, on site: 88,400 93,600 100,000 70,000 108,160 -> median 93,600; P10 has none.
    assert (pay["TX"].count, pay["TX"].total, pay["TX"].median) == (5, 6, 93600)
    # At least the subscriber's $90,000: all but P1 (88,400) and P5 (70,000).
    assert ninety.at_least_minimum == (5, 7)


def test_where_and_which_employers(market):
    ninety = _report(market).windows[1]
    assert [(c.label, c.count, c.total) for c in ninety.remote] == [("remote", 2, 7),
                                                                  ("onsite", 5, 7)]
    assert [(c.label, c.count) for c in ninety.states] == [("TX", 5)]
    # "Acme Health" (P1) and "Acme Health, Inc." (P10) are one employer.
    assert (ninety.employers[0].label, ninety.employers[0].count) == ("Acme Health", 2)


def test_market_counts_closed_and_duplicate_postings_once(market):
    config, store, now = market
    thirty, ninety = market_report(config, store, now).windows
    # Every stored posting but the duplicate P7 and the repost P9; P8 in 90 days only.
    assert (thirty.considered, thirty.fitting, ninety.considered, ninety.fitting) == (8, 8, 9, 9)
    assert _by_name(ninety.credentials)["LCSW"].count == 1
    assert ninety.gaps == []
