"""The HTML report of ``pipeline eval --html FILE``: the metrics table and score distributions.

The plot (matplotlib, Agg backend) shows, for each method, the scores of the labelled postings
grouped by grade, for the profile-alone query; it is embedded as inline SVG so the report is one
self-contained file.
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pipeline.match.baselines import unit  # noqa: E402
from pipeline.match.evaluate import METHODS, PROFILE_QUERY, EvalReport  # noqa: E402

GRADE_NAMES = {2: "core (2)", 1: "adjacent (1)", 0: "not this job (0)"}


def score_plot_svg(report: EvalReport, query: str = PROFILE_QUERY) -> str:
    """Histograms of scores by grade, one panel per method, as an SVG string."""
    figure, axes = plt.subplots(1, len(METHODS), figsize=(4.2 * len(METHODS), 3.2),
                                sharey=True)
    bins = [i / 20 for i in range(21)]
    for axis, method in zip(axes, METHODS, strict=True):
        scores = report.scores[(query, method)]
        scores = scores if method == "matcher" else unit(scores)
        for grade in (0, 1, 2):
            axis.hist(scores[report.grades == grade], bins=bins, alpha=0.55,
                      label=GRADE_NAMES[grade])
        axis.set_title(method + ("" if method == "matcher" else " (scaled to max)"))
        axis.set_xlabel("score")
    axes[0].set_ylabel("postings")
    axes[0].legend(fontsize=8)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


def _table(report: EvalReport) -> str:
    head = "".join(f"<th colspan=4>{m}</th>" for m in METHODS)
    sub = "<th>NDCG@10</th><th>P@10</th><th>MAP</th><th>NDCG</th>" * len(METHODS)
    body = []
    for query in dict.fromkeys(row["query"] for row in report.rows):
        cells = "".join(f"<td>{report.metric(query, m, k):.3f}</td>"
                        for m in METHODS for k in ("ndcg@10", "p@10", "map", "ndcg"))
        body.append(f"<tr><th>{html.escape(query)}</th>{cells}</tr>")
    return (f"<table><tr><th rowspan=2>query</th>{head}</tr><tr>{sub}</tr>"
            + "".join(body) + "</table>")


def write_html(report: EvalReport, path: Path) -> Path:
    """Write the self-contained HTML report to ``path``."""
    core = int((report.grades >= 2).sum())
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Matcher evaluation</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 8px;text-align:right}}
table{{border-collapse:collapse}}tr:nth-child(even){{background:#f3f3f3}}</style></head><body>
<h1>Matcher evaluation</h1>
<p>{report.postings} labelled postings, {core} core (grade 2). Relevant = grade 2 for P@10 and MAP;
NDCG uses gain 2<sup>grade</sup>&minus;1; the last NDCG column covers the whole ranking.</p>
{_table(report)}
<h2>Score distribution by grade (profile alone)</h2>
{score_plot_svg(report)}
</body></html>
"""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
