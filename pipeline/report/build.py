"""A whole report: demand, gaps, pay and places, per window, for a subscriber or the market."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pipeline.config import JobsConfig
from pipeline.match import Matcher
from pipeline.report.demand import Demand, Gap, credential_demand, credential_gaps, skill_demand
from pipeline.report.fitting import Fit, market_fit, subscriber_fit
from pipeline.report.pay import PayFigure, all_pays, pay_figures, share_at_least
from pipeline.report.postings import WINDOWS, window_postings
from pipeline.report.reference import PayReference, load_reference
from pipeline.report.where import Count, by_remote, by_state, top_employers
from pipeline.store import Store, Subscriber
from pipeline.store.schema import utcnow


@dataclass
class Window:
    """Everything the report says about the postings of one window."""

    days: int
    considered: int  # postings of the window (each opening once)
    fitting: int
    skills: list[Demand]
    credentials: list[Demand]
    gaps: list[Gap]
    pay: list[PayFigure]
    pays: list[float]
    at_least_minimum: tuple[int, int] | None
    remote: list[Count]
    states: list[Count]
    employers: list[Count]


@dataclass
class Report:
    """A subscriber's report (``email`` set) or the market's, over each window."""

    title: str
    generated: datetime
    email: str | None
    has_resume: bool
    min_score: float | None
    min_pay: float | None
    reference: PayReference | None
    windows: list[Window] = field(default_factory=list)


def window_of(fit: Fit, days: int, considered: int, min_pay: float | None) -> Window:
    """The figures of one window's fit."""
    fitting, paid = fit.postings, fit.pay_postings
    return Window(days, considered, len(fitting), skill_demand(fit), credential_demand(fit),
                  credential_gaps(fit), pay_figures(paid), all_pays(paid),
                  share_at_least(paid, min_pay), by_remote(fitting), by_state(fitting),
                  top_employers(fitting))


def subscriber_report(config: JobsConfig, store: Store, subscriber: Subscriber,
                      now: datetime | None = None, matcher: Matcher | None = None) -> Report:
    """The report of one subscriber: postings fitting their resume, filters and minimum."""
    now = now or utcnow()
    matcher = matcher or Matcher.from_config(config)
    min_score = subscriber.min_score if subscriber.min_score is not None else (
        config.matching.min_score)
    report = Report(f"Your Care Manager market: {subscriber.name or subscriber.email}", now,
                    subscriber.email, bool(subscriber.resume_text), min_score,
                    subscriber.filters.min_salary, load_reference(config.profile.path))
    for days in WINDOWS:
        postings = window_postings(store, days, now)
        fit = subscriber_fit(matcher, postings, subscriber.resume_text, subscriber.filters,
                             min_score)
        report.windows.append(window_of(fit, days, len(postings), report.min_pay))
    return report


def market_report(config: JobsConfig, store: Store, now: datetime | None = None,
                  matcher: Matcher | None = None) -> Report:
    """The market report: every posting of each window, no resume, no filters."""
    now = now or utcnow()
    matcher = matcher or Matcher.from_config(config)
    report = Report("The Care Manager market: all postings", now, None, False, None, None,
                    load_reference(config.profile.path))
    for days in WINDOWS:
        postings = window_postings(store, days, now)
        report.windows.append(window_of(market_fit(matcher, postings), days, len(postings),
                                        None))
    return report
