"""Skills-gap and pay reports: what the postings that fit a subscriber ask for and pay.

``subscriber_report`` and ``market_report`` compute the figures (``build``); ``render_html``
turns one into a page whose charts (``charts``) are PNG images, served by ``pipeline serve`` or
embedded in a file by ``pipeline report --html``; ``links`` puts the report's link in digests.
Names are imported on first use, so the digest path does not load matplotlib.
"""

from importlib import import_module

_HOMES = {"Report": "build", "Window": "build", "market_report": "build",
          "subscriber_report": "build", "CHARTS": "charts", "chart_png": "charts",
          "render_html": "render", "render_text": "render", "digest_report_url": "links"}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    """The public names, each from its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module 'pipeline.report' has no attribute {name!r}")
    return getattr(import_module(f"pipeline.report.{_HOMES[name]}"), name)
