"""Rendering a digest: subject, plain-text part and HTML part (autoescaped Jinja2, CSS inlined).

The HTML comes from ``templates/digest.html`` with autoescaping on, so any markup in a posting's
title, employer or description is shown as text, never run; links are only rendered for http(s)
URLs (see ``digest.safe_url``). The stylesheet is inlined into ``style`` attributes with css-inline
because many mail clients drop ``<style>`` blocks. The plain-text part carries the same facts.
Items carrying ``more_url`` / ``not_url`` (``relay.with_feedback_links``) get the feedback links.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from pipeline.match.calibration import label, raw_label

TEMPLATES = Path(__file__).parent / "templates"
_FREQUENCY_TEXT = {"instant": "new-postings", "daily": "daily", "weekly": "weekly"}
#: Skills named under a posting; more are summed up as "and N more" (the best come first).
MAX_SKILLS_SHOWN = 6


class _KeysFirst(Environment):
    """Jinja2's environment, except that ``item.name`` on a plain dict reads the key first.

    Digest items are dicts, and the standard lookup tries the attribute first: each of the few
    hundred ``item.name`` of a digest raised and caught an AttributeError before reading the
    key. No key of a rendered dict is the name of a dict method, so the text is the same.
    """

    def getattr(self, obj, attribute: str):
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return _KeysFirst(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                       autoescape=select_autoescape(enabled_extensions=("html",)),
                       trim_blocks=False, keep_trailing_newline=True)


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


@lru_cache(maxsize=1)
def _css() -> str:
    return (TEMPLATES / "digest.css").read_text(encoding="utf-8")


def subject_for(items: list[dict]) -> str:
    """'3 new Care Manager jobs: Nurse Case Manager at Acme Health and 2 more'."""
    top = items[0]
    count = len(items)
    head = f"{count} new Care Manager job{'s' if count > 1 else ''}: {top['title']}"
    if top.get("company"):
        head += f" at {top['company']}"
    if count > 1:
        head += f" and {count - 1} more"
    return " ".join(head.split())


def ago(posted_at: str | None, now: datetime) -> str:
    """How long ago a posting was posted, in words."""
    if not posted_at:
        return "posting date not given"
    posted = datetime.fromisoformat(posted_at)
    if posted.tzinfo is None:  # a date without a zone (some boards): taken as UTC
        posted = posted.replace(tzinfo=UTC)
    days = (now - posted).total_seconds() / 86400
    if days < 1:
        return "posted today"
    if days < 2:
        return "posted yesterday"
    if days < 14:
        return f"posted {int(days)} days ago"
    if days < 60:
        return f"posted {int(days // 7)} weeks ago"
    return f"posted {int(days // 30)} months ago"


def shown_strength(item: dict) -> tuple[str, str, int]:
    """Label, CSS class and percent shown for a digest item.

    The percent is the calibrated strength (``pipeline.match.calibration``) when the matcher had
    a calibration; otherwise (or for a digest queued before there was one) the raw score.
    """
    percent = item.get("strength")
    if percent is None:
        percent = max(0, min(100, round(item["score"] * 100)))
        return (*raw_label(item["score"]), percent)
    return (*label(percent), percent)


def skills_text(skills: list[str]) -> str:
    """'a, b, c and 4 more': at most MAX_SKILLS_SHOWN skills named."""
    shown = ", ".join(skills[:MAX_SKILLS_SHOWN])
    extra = len(skills) - MAX_SKILLS_SHOWN
    return f"{shown} and {extra} more" if extra > 0 else shown


def _view_items(items: list[dict], now: datetime) -> list[dict]:
    view = []
    for item in items:
        name, css_class, percent = shown_strength(item)
        view.append({**item, "ago": ago(item["posted_at"], now), "strength": name,
                     "skills": skills_text(item["why"]["skills"]),
                     "resume_terms": ", ".join(item["why"].get("resume_terms") or []),
                     "strength_class": css_class, "percent": percent,
                     "more_url": item.get("more_url"), "not_url": item.get("not_url")})
    return view


def render_digest(items: list[dict], *, now: datetime, name: str | None, frequency: str,
                  unsubscribe_url: str, preferences_url: str,
                  report_url: str | None = None) -> tuple[str, str, str]:
    """(subject, plain text, HTML with inlined CSS) of one digest; ``report_url``: a link to
    the subscriber's skills-gap and pay report in the footer."""
    subject = subject_for(items)
    context = {
        "subject": subject, "items": _view_items(items, now), "name": name, "since": None,
        "calibrated": any(item.get("strength") is not None for item in items),
        "frequency_text": _FREQUENCY_TEXT.get(frequency, frequency),
        "unsubscribe_url": unsubscribe_url, "preferences_url": preferences_url,
        "report_url": report_url, "css": _css(),
    }
    env = _environment()
    text = env.get_template("digest.txt").render(context)
    html = _inliner().inline(env.get_template("digest.html").render(context))
    return subject, text, html
