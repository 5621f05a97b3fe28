"""The curated catalogue of US healthcare employers that hire care managers, and its presets.

The catalogue is data: ``pipeline/catalog/data/*.yaml``, one file per kind of employer, each entry
naming the employer, its kind, the states it hires in (``US``: nationwide), its board type, the
jobs.yaml keys of that board and where the identifier was seen. ``pipeline init --preset`` turns
a preset into a starter ``sources:`` list (``starter_sources``); ``pipeline sources check`` tries
each entry (``pipeline.catalog.check``).

Presets: ``national`` (every employer) and one per state with at least ``STATE_PRESET_MIN``
employers based there (``oh``, ``ny``...). ``--state XX`` narrows a preset to the employers that
hire in that state or nationwide.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import ConfigError

STATE_PRESET_MIN = 4
NATIONWIDE = "US"


class Employer(BaseModel):
    """One catalogue entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    employer: str
    kind: str
    states: tuple[str, ...] = Field(min_length=1)
    board: str
    keys: dict[str, Any] = Field(default_factory=dict)
    seen: str = Field(min_length=1, description="where the identifier was seen")
    note: str | None = None

    @property
    def slug(self) -> str:
        """A source name for jobs.yaml: the employer's name in lower-case words and dashes."""
        words = re.sub(r"\([^)]*\)", "", self.employer.lower())
        return re.sub(r"[^a-z0-9]+", "-", words).strip("-")


@cache
def load_catalog() -> tuple[Employer, ...]:
    """Every employer of every catalogue file, in file order; ConfigError on a bad entry."""
    employers: list[Employer] = []
    folder = resources.files("pipeline.catalog") / "data"
    for item in sorted(folder.iterdir(), key=lambda f: f.name):
        if not item.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
        for index, entry in enumerate(data.get("employers") or []):
            try:
                employers.append(Employer.model_validate(entry))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(map(str, first["loc"]))
                raise ConfigError(f"catalogue {item.name} employers[{index}].{where}: "
                                  f"{first['msg']}") from exc
    return tuple(employers)


def presets(employers: Iterable[Employer] | None = None) -> list[str]:
    """The preset names: ``national``, then each state with enough employers, lower-case."""
    counts = Counter(s for e in (employers or load_catalog()) for s in e.states
                     if s != NATIONWIDE)
    return ["national", *sorted(s.lower() for s, n in counts.items() if n >= STATE_PRESET_MIN)]


def select(preset: str, state: str | None = None) -> list[Employer]:
    """The employers of a preset, narrowed to one state (and nationwide employers) if given."""
    employers = load_catalog()
    names = presets(employers)
    if preset.lower() not in names:
        raise ConfigError(f"--preset: no preset {preset!r}; presets: {', '.join(names)}")
    chosen = [e for e in employers if preset.lower() == "national"
              or preset.upper() in e.states]
    if state:
        code = state.upper()
        if not re.fullmatch(r"[A-Z]{2}", code):
            raise ConfigError(f"--state: {state!r} is not a two-letter state code like OH")
        chosen = [e for e in chosen if code in e.states or NATIONWIDE in e.states]
    return chosen


def starter_sources(employers: Iterable[Employer], known_types: Iterable[str]) -> str:
    """A jobs.yaml ``sources:`` block watching the employers; unknown board types commented out."""
    known = set(known_types)
    lines = ["sources:"]
    names: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for employer in employers:
        names[employer.slug] += 1
        name = employer.slug + (f"-{names[employer.slug]}" if names[employer.slug] > 1 else "")
        usable = employer.board in known and employer.keys
        if not usable:
            skipped[employer.board] += 1
        lines.extend(_entry(employer, name, usable))
    if skipped:
        counts = ", ".join(f"{board} ({n})" for board, n in sorted(skipped.items()))
        lines.insert(1, f"  # Commented out: board types this version cannot read yet: {counts}.")
    if len(lines) == 1 or all(line.lstrip().startswith("#") for line in lines[1:]):
        lines.append("  []")
    return "\n".join(lines) + "\n"


def _entry(employer: Employer, name: str, usable: bool) -> list[str]:
    """The lines of one source entry, preceded by a comment saying who and where it was seen."""
    states = ", ".join(employer.states)
    lines = [f"  # {employer.employer}: {employer.kind}, {states}; seen in {employer.seen}"]
    body = yaml.safe_dump([{"name": name, "type": employer.board, **employer.keys}],
                          sort_keys=False, default_flow_style=False, width=200)
    prefix = "  " if usable else "  # "
    if not usable:
        reason = employer.note or f"no {employer.board} source in this version yet"
        lines.append(f"  # ({reason})")
    lines.extend(prefix + line for line in body.splitlines())
    return lines
