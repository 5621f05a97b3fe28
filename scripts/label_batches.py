"""Rebuild the labelling worksheets behind fixtures/real/labels.csv from the real datasets.

Usage: python scripts/label_batches.py [POSTINGS_DIR] [OUT_DIR]

Picks the same 1,300 postings (fixed seeds), shuffles them, and writes them 100 to a text file
(`=== dataset | id`, title, employer, the first 900 characters of the text) plus `selection.csv`,
for labellers to grade by hand with fixtures/real/RUBRIC.md. Reads the datasets; writes nothing
into the project.
"""

from __future__ import annotations

import csv
import html
import json
import random
import re
import shutil
import sys
from pathlib import Path

from bs4 import BeautifulSoup

HEALTH_TITLE = re.compile(r"nurs|care|case|health|medical|clinic|patient|social|therap|hospital|"
                          r"physician|rn\b|lpn|counsel|behavior|pharm|utiliz|discharge", re.I)


def clean(text: str, is_html: bool = False) -> str:
    """One line of plain text."""
    if is_html:
        text = BeautifulSoup(html.unescape(text), "lxml").get_text(" ")
    return re.sub(r"\s+", " ", text or "").strip()


def nhs(src: Path) -> list[tuple]:
    """NHS Jobs records: (dataset, id, title, employer, place, text)."""
    rows = []
    for line in (src / "nhs_2020.jsonl").read_text().splitlines():
        rec = json.loads(line)
        place = ((rec.get("jobLocation") or {}).get("address") or {}).get("addressLocality", "")
        rows.append(("nhs_2020", rec["url"].rstrip("/").rsplit("/", 1)[-1], rec["title"],
                     (rec.get("hiringOrganization") or {}).get("name", ""), place,
                     clean(rec.get("description", ""), is_html=True)))
    return rows


def linkedin(src: Path) -> list[tuple]:
    """LinkedIn rows of both files, each job_id once."""
    rows, seen = [], set()
    for name in ("linkedin_2023_24_first1000.csv", "linkedin_2023_24_sample.csv"):
        for rec in csv.DictReader(open(src / name, newline="")):
            if rec["job_id"] not in seen:
                seen.add(rec["job_id"])
                rows.append(("linkedin_2023_24_first1000", rec["job_id"], rec["title"],
                             rec["company_name"], rec["location"], clean(rec["description"])))
    return rows


def indeed(src: Path) -> list[tuple]:
    """Indeed rows, named by their 0-based position (their index column repeats)."""
    rows = []
    for kind in ("healthcare", "engineering", "data_analyst"):
        with open(src / f"indeed_boston_2022_{kind}.csv", newline="") as fh:
            for n, rec in enumerate(csv.DictReader(fh)):
                rows.append((f"indeed_boston_2022_{kind}", str(n), rec["Position"],
                             rec["Company"], "Boston, MA", clean(rec["Description"])))
    return rows


def pick(src: Path) -> list[tuple]:
    """The 1,300 postings to label, in worksheet order."""
    selected_by = {r["id"]: r["selected_by"]
                   for r in csv.DictReader(open(src / "nhs_2020_selection.csv"))}
    nhs_rows = nhs(src)
    by_regex = [r for r in nhs_rows if selected_by.get(r[1]) == "title_regex"]
    others = [r for r in nhs_rows if selected_by.get(r[1]) != "title_regex"]
    random.Random(5).shuffle(others)
    chosen = by_regex + others[:350] + indeed(src)
    li = linkedin(src)
    health = [r for r in li if HEALTH_TITLE.search(r[2])]
    rest = [r for r in li if not HEALTH_TITLE.search(r[2])]
    random.Random(7).shuffle(rest)
    chosen += health + rest[:max(0, 1300 - len(chosen) - len(health))]
    random.Random(11).shuffle(chosen)
    return chosen


def main(src: Path, out: Path) -> None:
    """Write the worksheets and selection.csv into ``out``."""
    chosen = pick(src)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with open(out / "selection.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([("dataset", "id"), *(r[:2] for r in chosen)])
    for start in range(0, len(chosen), 100):
        with open(out / f"batch_{start // 100:02d}.txt", "w") as fh:
            for ds, pid, title, employer, place, text in chosen[start:start + 100]:
                fh.write(f"=== {ds} | {pid}\nTITLE: {title}\nEMPLOYER: {employer} | {place}\n"
                         f"TEXT: {text[:900]}\n\n")
    print(f"{len(chosen)} postings in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/realdata/postings"),
         Path(sys.argv[2] if len(sys.argv) > 2 else "label-batches"))
