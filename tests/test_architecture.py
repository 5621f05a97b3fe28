"""Imports follow the direction ARCHITECTURE.md documents.

The allowed-imports table is read from the ``imports`` block of ARCHITECTURE.md, so the page and
this test cannot drift apart. Every module of ``pipeline/`` (and ``models/``, shipped as
``pipeline.models``) is parsed with ``ast``; each import, at module level or inside a function,
is mapped to the package it lands in.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = ROOT / "ARCHITECTURE.md"

#: Edges that go the wrong way today, each to be fixed: empty now. An entry whose import is gone
#: fails ``test_known_violations_still_exist``, so the list can only shrink.
KNOWN_VIOLATIONS: set[tuple[str, str]] = set()

#: Private names imported from another package today (same rule).
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()


def allowed_table(text: str) -> dict[str, list[str]]:
    """The ``imports`` block of ARCHITECTURE.md as {package: [allowed packages]}, in its order."""
    block = re.search(r"^```imports\n(.*?)^```", text, re.S | re.M)
    assert block, "ARCHITECTURE.md has no ```imports block"
    table = {}
    for line in block.group(1).splitlines():
        if line.strip():
            name, _, deps = line.partition(":")
            table[name.strip()] = [d for d in deps.split() if d != "-"]
    return table


def units() -> dict[str, list[Path]]:
    """Every package of the architecture and its module files."""
    found: dict[str, list[Path]] = {"pipeline": [ROOT / "pipeline" / "__init__.py"],
                                    "models": sorted((ROOT / "models").rglob("*.py"))}
    for path in sorted((ROOT / "pipeline").iterdir()):
        if path.is_dir() and (path / "__init__.py").exists():
            found[path.name] = sorted(path.rglob("*.py"))
        elif path.suffix == ".py" and path.name != "__init__.py":
            found[path.stem] = [path]
    return found


def module_name(path: Path) -> list[str]:
    """The dotted name of a module file, as a list (``models/`` is ``pipeline.models``)."""
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[0] == "models":
        parts = ["pipeline", *parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported(path: Path) -> list[tuple[str, list[str], int]]:
    """(dotted module, names taken, line) of every import in one file, relative ones resolved."""
    own = module_name(path)
    package = own if path.name == "__init__.py" else own[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.append((module, [alias.name for alias in node.names], node.lineno))
    return found


def target_unit(module: str, names: list[str], known: set[str]) -> list[str]:
    """The packages an import lands in (``from pipeline import models`` lands in ``models``)."""
    parts = module.split(".")
    if parts[0] != "pipeline":
        return []
    if len(parts) > 1:
        return [parts[1] if parts[1] in known else "pipeline"]
    return [name if name in known else "pipeline" for name in names] or ["pipeline"]


def crossing_imports() -> list[tuple[str, str, str, list[str]]]:
    """(from package, to package, where, names) for every import that crosses a package line."""
    found_units = units()
    known = set(found_units)
    crossing = []
    for unit, files in found_units.items():
        for path in files:
            for module, names, line in imported(path):
                for target in target_unit(module, names, known):
                    if target != unit:
                        where = f"{path.relative_to(ROOT)}:{line}"
                        crossing.append((unit, target, where, names))
    return crossing


@pytest.fixture(scope="module")
def table() -> dict[str, list[str]]:
    """The allowed-imports table of ARCHITECTURE.md."""
    return allowed_table(ARCHITECTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def edges() -> list[tuple[str, str, str, list[str]]]:
    """``crossing_imports()``, parsed once: module-scoped, so its tests share one xdist worker
    (tests/conftest.py) and the package is parsed once a run, not once per worker."""
    return crossing_imports()


def test_every_package_is_in_the_table(table):
    """A new package or root module must be placed in ARCHITECTURE.md before it is used."""
    missing = sorted(set(units()) - set(table))
    assert not missing, f"ARCHITECTURE.md's imports table does not list: {', '.join(missing)}"


def test_the_table_is_a_layering(table):
    """Each package may import only packages listed above it, so the table admits no cycle."""
    seen: set[str] = set()
    wrong = []
    for name, allowed in table.items():
        wrong += [f"{name} -> {dep}" for dep in allowed if dep not in seen]
        seen.add(name)
    assert not wrong, f"allowed before being listed (or unknown): {wrong}"


def test_imports_follow_the_documented_direction(table, edges):
    """No module imports a package its own package may not depend on."""
    wrong = sorted({f"{where}: {src} -> {dst}" for src, dst, where, _ in edges
                    if dst not in table.get(src, []) and (src, dst) not in KNOWN_VIOLATIONS})
    assert not wrong, "imports against ARCHITECTURE.md:\n" + "\n".join(wrong)


def test_no_package_imports_another_packages_private_names(edges):
    """A name starting with ``_`` stays inside its package."""
    wrong = sorted({f"{where}: {src} imports {dst}.{name}" for src, dst, where, names in edges
                    for name in names
                    if name.startswith("_") and not name.startswith("__")
                    and (src, dst, name) not in KNOWN_PRIVATE_IMPORTS})
    assert not wrong, "private names used across packages:\n" + "\n".join(wrong)


def test_known_violations_still_exist(edges):
    """An allow-list entry whose import is gone must be removed, so the list only shrinks."""
    found = {(src, dst) for src, dst, _, _ in edges}
    private = {(src, dst, name) for src, dst, _, names in edges for name in names}
    stale = sorted(map(str, (KNOWN_VIOLATIONS - found) | (KNOWN_PRIVATE_IMPORTS - private)))
    assert not stale, "fixed: remove from the allow-lists in this file: " + ", ".join(stale)


def test_matching_never_imports_its_tuning():
    """``match/tuning/`` serves ``pipeline tune`` only: the rest of ``match`` never imports it."""
    tuning = ROOT / "pipeline" / "match" / "tuning"
    offenders = [f"{path.relative_to(ROOT)}:{line} imports {module}"
                 for path in sorted((ROOT / "pipeline" / "match").rglob("*.py"))
                 if tuning not in path.parents
                 for module, names, line in imported(path)
                 if f"{module}.".startswith("pipeline.match.tuning.")
                 or (module == "pipeline.match" and "tuning" in names)]
    assert offenders == []
