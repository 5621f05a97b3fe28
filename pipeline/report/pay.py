"""Pay of the fitting postings, annualised, overall, by remote status and by state.

For a subscriber, the postings are those that fit apart from their own minimum pay, so the
minimum can be set against them (``Fit.pay_rows``).

A posting's pay is the middle of its annualised range (``Posting.annual_salary``: hourly x 2080,
daily x 260, weekly x 52, monthly x 12), or its one end when only one is given; postings whose
pay or period is unknown carry none. A figure is shown only when at least ``MIN_PAY_POSTINGS``
postings carry pay: fewer would say more about the postings than about the market.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.posting import Posting
from pipeline.report.where import state_of

#: Postings with pay needed before a median is shown.
MIN_PAY_POSTINGS = 5


@dataclass
class PayFigure:
    """Pay over one group of postings: ``count`` carry pay, of ``total`` in the group."""

    label: str
    count: int
    total: int
    median: float | None = None
    low: float | None = None  # 25th percentile
    high: float | None = None  # 75th percentile

    @property
    def shown(self) -> bool:
        """Whether enough postings carry pay for the figures to be shown."""
        return self.median is not None


def annual_pay(posting: Posting) -> float | None:
    """The posting's annual pay: the middle of its range, or the one end given."""
    low, high = posting.annual_salary()
    given = [v for v in (low, high) if v is not None]
    return sum(given) / len(given) if given else None


def pay_figure(label: str, postings: list[Posting]) -> PayFigure:
    """Median and quartiles of the pay of ``postings``, when enough of them carry pay."""
    pays = [p for p in (annual_pay(posting) for posting in postings) if p is not None]
    figure = PayFigure(label, len(pays), len(postings))
    if len(pays) >= MIN_PAY_POSTINGS:
        figure.low, figure.median, figure.high = (float(v) for v in
                                                  np.percentile(pays, [25, 50, 75]))
    return figure


def pay_figures(postings: list[Posting]) -> list[PayFigure]:
    """All the postings, then each remote status, then each state (postings not fully
    remote), largest first."""
    figures = [pay_figure("All", postings)]
    for status in ("remote", "hybrid", "onsite"):
        group = [p for p in postings if p.remote.value == status]
        if group:
            figures.append(pay_figure(status.capitalize(), group))
    states: dict[str, list[Posting]] = {}
    for posting in postings:
        if (state := state_of(posting)) and posting.remote.value != "remote":
            states.setdefault(state, []).append(posting)
    for state, group in sorted(states.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        figures.append(pay_figure(state, group))
    return figures


def share_at_least(postings: list[Posting], minimum: float | None) -> tuple[int, int] | None:
    """(postings paying at least ``minimum``, postings carrying pay), None without a minimum."""
    if minimum is None:
        return None
    pays = [p for p in (annual_pay(posting) for posting in postings) if p is not None]
    return sum(p >= minimum for p in pays), len(pays)


def all_pays(postings: list[Posting]) -> list[float]:
    """The annual pay of every posting that carries one (for the chart)."""
    return [p for p in (annual_pay(posting) for posting in postings) if p is not None]
