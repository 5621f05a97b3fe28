"""A report as an HTML page (autoescaped Jinja2) or as plain text for the terminal.

The page's charts are ``<img>`` elements whose address ``image_src(name, days)`` gives: a URL
of ``pipeline serve``, or a ``data:`` URI when the page is written to a file. The style sheet
is linked when served (the pages' CSP allows no inline style) and embedded in a file.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipeline.report.build import Report, Window
from pipeline.report.charts import chart_png
from pipeline.report.pay import MIN_PAY_POSTINGS

TEMPLATES = Path(__file__).resolve().parent.parent / "service" / "templates"
STYLE = Path(__file__).resolve().parent.parent / "service" / "static" / "report.css"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html",)))
    env.filters.update(percent=lambda share: f"{100 * share:.0f}%",
                       money=lambda value: f"${value:,.0f}")
    return env


def embedded(report: Report) -> Callable[[str, int], str]:
    """``image_src`` for a self-contained file: each chart as a data: URI."""
    def src(name: str, days: int) -> str:
        return "data:image/png;base64," + base64.b64encode(
            chart_png(report, name, days)).decode("ascii")
    return src


def render_html(report: Report, image_src: Callable[[str, int], str] | None = None,
                stylesheet_url: str | None = None) -> str:
    """The report page; charts and style sheet embedded unless URLs are given."""
    css = None if stylesheet_url else STYLE.read_text(encoding="utf-8")
    return _environment().get_template("report.html").render(
        report=report, image_src=image_src or embedded(report), stylesheet_url=stylesheet_url,
        css=css, min_pay_postings=MIN_PAY_POSTINGS)


def render_text(report: Report) -> str:
    """The report's main figures as plain text, one window after the other."""
    lines = [report.title, f"Generated {report.generated:%Y-%m-%d %H:%M} UTC", ""]
    for window in report.windows:
        lines.append(f"Last {window.days} days: {window.fitting} fitting postings of "
                     f"{window.considered} (each opening counted once)")
        lines += _demand_lines(window) + _pay_lines(window, report) + _where_lines(window)
        lines.append("")
    if report.reference is not None:
        ref = report.reference
        lines.append(f"Reference: national median ${ref.median:,.0f}, range "
                     f"${ref.range_low:,.0f}-${ref.range_high:,.0f}+ ({ref.source})")
    return "\n".join(lines) + "\n"


def _demand_lines(window: Window) -> list[str]:
    """Each skill and credential asked for, held or not, then the gaps."""
    lines = ["  Asked for:"]
    for item in [*window.credentials, *window.skills]:
        if item.count:
            mark = "" if item.held is None else " [on resume]" if item.held else " [not shown]"
            lines.append(f"    {item.name}: {item.count}/{item.total} "
                         f"({100 * item.share:.0f}%){mark}")
    return lines + [f"  Adding {gap.code} would qualify you for {gap.opens} more of the "
                    f"{gap.nearly} postings you nearly match" for gap in window.gaps]


def _pay_lines(window: Window, report: Report) -> list[str]:
    """Each pay figure with the postings behind it, and the subscriber's minimum."""
    lines = ["  Pay (annual):"]
    for figure in window.pay:
        pay = (f"median ${figure.median:,.0f} (middle half ${figure.low:,.0f}-"
               f"${figure.high:,.0f})" if figure.shown else
               f"too few with pay to show (at least {MIN_PAY_POSTINGS})")
        lines.append(f"    {figure.label}: {pay}; {figure.count} of {figure.total} "
                     "postings state pay")
    if window.at_least_minimum is not None:
        met, paid = window.at_least_minimum
        lines.append(f"    Your minimum ${report.min_pay:,.0f} is met by {met} of {paid}")
    return lines


def _where_lines(window: Window) -> list[str]:
    """Remote share, states and employers."""
    return (["  Where:"] + [f"    {c.label}: {c.count}/{c.total}"
                           for c in window.remote + window.states]
            + ["  Employers hiring most:"] + [f"    {c.label}: {c.count}/{c.total}"
                                             for c in window.employers])
