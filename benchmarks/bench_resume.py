"""Benchmark: peak memory of reading hostile resumes, beside ordinary ones ("resume bomb memory").

    python benchmarks/bench_resume.py [--docx-mb 300] [--small]

Builds, in a temporary folder, a PDF whose page tree reaches a million pages (a few KB), a DOCX
whose document part unpacks to ``--docx-mb`` MB (under 1 MB on disk), and a one-page PDF and
DOCX resume as the baseline. Each file is read by ``read_resume`` in a fresh process, which
reports its peak resident set size (``ru_maxrss``) before and after the read, and the outcome
(characters of text, or the error). Bounded reading keeps a bomb's peak at the baseline's
(198 MB, the libraries loaded); unbounded, the DOCX bomb peaked at 1,379 MB and came back as
305 million characters of "resume", and the PDF raised pypdf's LimitReachedError at 253 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from resume_bombs import RESUME_LINE, docx_bomb, million_page_pdf  # noqa: E402

#: Run in a fresh interpreter: import first (so the baseline RSS includes the libraries), then read.
CHILD = """
import json, resource, sys
from pipeline.match import read_resume
import docx, pypdf  # noqa: F401  (loaded before the baseline figure)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    outcome = f"{len(read_resume(sys.argv[1]))} characters"
except Exception as exc:  # an unbounded reader fails in its own way: report how
    outcome = f"{type(exc).__name__}: {exc}"
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kb": before, "after_kb": after, "outcome": outcome}))
"""


def ordinary_files(folder: Path) -> list[Path]:
    """A one-page PDF and DOCX resume, the baseline."""
    import docx

    sys.path.insert(0, str(ROOT / "tests" / "match"))
    from conftest import write_pdf  # the tests' minimal PDF writer

    lines = [RESUME_LINE, "Care coordination, InterQual, transitions of care, CCM since 2020"]
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(folder / "resume.docx")
    return [write_pdf(folder / "resume.pdf", lines), folder / "resume.docx"]


def measure(path: Path) -> dict:
    """Read ``path`` in a fresh process; its peak RSS before and after, and the outcome."""
    done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Build the files, read each in its own process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docx-mb", type=int, default=300,
                        help="MB the DOCX bomb unpacks to (default 300)")
    parser.add_argument("--small", action="store_true", help="a 40 MB DOCX bomb (quick run)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = ordinary_files(folder) + [
            million_page_pdf(folder / "million-pages.pdf"),
            docx_bomb(folder / "bomb.docx", 40 if args.small else args.docx_mb)]
        print(f"{'file':<20}{'on disk':>10}{'peak RSS before':>17}{'after':>10}  outcome")
        for path in files:
            got = measure(path)
            print(f"{path.name:<20}{path.stat().st_size / 1e3:>8.0f}KB"
                  f"{got['before_kb'] / 1024:>15.0f}MB{got['after_kb'] / 1024:>8.0f}MB  "
                  f"{got['outcome'][:90]}")


if __name__ == "__main__":
    main()
