"""The report's charts as PNG images (matplotlib, Agg): they show in any mail client and
with JavaScript off. Each chart names how many postings it rests on. Dollar signs in labels
are escaped: matplotlib reads text between two of them as mathematics."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from pipeline.report.build import Report, Window  # noqa: E402
from pipeline.report.pay import MIN_PAY_POSTINGS  # noqa: E402

#: Chart names, as in ``/report/<token>/<name>-<days>.png``.
CHARTS = ("demand", "pay", "places")
_HELD, _LACKING, _NEUTRAL = "#2f6fab", "#d9822b", "#7b8794"
_BARS_SHOWN = 12


def chart_png(report: Report, name: str, days: int) -> bytes:
    """One chart of one window as PNG bytes; KeyError for an unknown name or window."""
    window = next((w for w in report.windows if w.days == days), None)
    if window is None or name not in CHARTS:
        raise KeyError(f"{name}-{days}")
    figure = Figure(figsize=(6.4, 4.2), dpi=100, layout="constrained")
    {"demand": _demand, "pay": _pay, "places": _places}[name](figure.subplots(), window, report)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _demand(axes, window: Window, report: Report) -> None:
    items = sorted(window.credentials + window.skills, key=lambda d: -d.count)[:_BARS_SHOWN]
    items = [d for d in items if d.count] or items[:1]
    labels = [d.name for d in reversed(items)]
    colours = [_NEUTRAL if d.held is None else _HELD if d.held else _LACKING
               for d in reversed(items)]
    axes.barh(labels, [100 * d.share for d in reversed(items)], color=colours)
    axes.set_xlim(0, 100)
    axes.set_xlabel(f"% of the {window.fitting} fitting postings asking for it")
    title = "Asked for in postings"
    if report.has_resume:
        title += " (blue: on your resume, orange: not shown)"
    axes.set_title(title, fontsize=10)


def _pay(axes, window: Window, report: Report) -> None:
    pays = [p / 1000 for p in window.pays]
    if len(pays) >= MIN_PAY_POSTINGS:
        axes.hist(pays, bins=min(12, max(4, len(pays) // 2)), color=_NEUTRAL)
        axes.set_title(f"Annual pay stated by {len(pays)} of the {window.pay[0].total} "
                       "fitting postings", fontsize=10)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        axes.set_title(f"Only {len(pays)} fitting postings state pay: too few to show "
                       f"(at least {MIN_PAY_POSTINGS})", fontsize=10)
    ref = report.reference
    if ref is not None:
        axes.axvline(ref.median / 1000, color="#102a43", linestyle="--",
                     label=f"national median \\${ref.median:,.0f}")
        axes.axvspan(ref.range_low / 1000, ref.range_high / 1000, color="#9fb3c8", alpha=0.2,
                     label=f"guide range \\${ref.range_low / 1000:.0f}k-"
                           f"\\${ref.range_high / 1000:.0f}k+")
    if report.min_pay is not None:
        axes.axvline(report.min_pay / 1000, color=_LACKING, label=f"your minimum "
                     f"\\${report.min_pay:,.0f}")
    axes.set_xlabel("thousand USD a year")
    axes.set_ylabel("postings")
    if ref is not None or report.min_pay is not None:
        axes.legend(fontsize=8, loc="upper right")


def _places(axes, window: Window, report: Report) -> None:
    items = [("Remote", c.count) for c in window.remote if c.label == "remote"]
    items += [(c.label, c.count) for c in window.states]
    labels = [label for label, _ in reversed(items)] or ["none"]
    axes.barh(labels, [n for _, n in reversed(items)] or [0], color=_NEUTRAL)
    axes.set_xlabel(f"postings, of the {window.fitting} fitting")
    axes.set_title("Where: fully remote, then by state", fontsize=10)
