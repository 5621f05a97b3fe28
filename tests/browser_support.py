"""Headless Chromium for the browser tests: where it is, and what to do when it is missing."""

from __future__ import annotations

from pathlib import Path

#: Where scripts/install-browser.sh (Debian's chromium) puts headless Chromium.
CHROMIUM = Path("/usr/bin/chromium")
MISSING_BROWSER = ("headless Chromium is not installed at /usr/bin/chromium "
                   "(scripts/install-browser.sh, or apt-get install chromium)")
#: The switches every browser test's Chromium starts with.
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-extensions"]


def browser_missing_outcome(chromium: Path, environ) -> str | None:
    """None when the browser tests can run; else 'skip' (a developer's machine) or 'fail' (CI)."""
    if chromium.exists():
        return None
    return "fail" if environ.get("CI", "").strip().lower() in ("true", "1", "yes") else "skip"
