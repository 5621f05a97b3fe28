"""Local files: postings already in the ``Posting`` model, as JSON, JSONL or YAML.

``path`` is a file or a folder (read recursively, in name order). A JSON or YAML file holds one
posting or a list of them; JSONL holds one per line. ``source`` may be left out of each record:
it is set to the source's name; ``employment_type`` is mapped to the common vocabulary
("Full-time" -> "full-time", "per diem" -> "per-diem"). Used by the default jobs.yaml so the
pipeline runs with no network. A record that cannot be read is skipped with a warning, as on
every board.

A file whose size and modification time are what they were at the last fetch is not read again:
its stored postings are returned as they are (``reuses_stored``). Each posting keeps the file it
came from and that file's stamp in ``extra`` (``file``, ``file_stamp``), so touching a file without
changing it rewrites its postings once. A file is read again while any open posting of it carries
another stamp (e.g. a record that stopped reading: it is not taken for gone).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from pipeline.errors import ParseError, SourceError
from pipeline.normalize import parse_employment_type
from pipeline.posting import Posting, StoredPosting
from pipeline.sources._records import build_postings
from pipeline.sources.base import Source, SourceConfig

SUFFIXES = (".json", ".jsonl", ".yaml", ".yml")


class FilesConfig(SourceConfig):
    """A folder or file of postings."""

    type: Literal["files"]
    path: Path = Field(description="file or folder of .json/.jsonl/.yaml postings")


class FilesSource(Source):
    """Reads postings from local files."""

    type = "files"
    Config = FilesConfig
    reuses_stored = True
    reads_network = False
    stored_extra = ("file", "file_stamp")

    def fetch(self) -> list[Posting | StoredPosting]:
        """Read every posting file under the configured path (unchanged ones from the store)."""
        path = self.config.path
        if not path.exists():
            raise SourceError(f"{path} does not exist", source=self.name)
        files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
        )
        stored, reused, located = _by_file(self.previous.values()), [], []
        for file in files:
            stamp = file_stamp(file, self.name)
            kept = _unchanged(stored.get(str(file), []), stamp)
            if kept:
                reused += kept
                continue
            located += [(file, stamp, index, record)
                        for index, record in enumerate(_records(file, self.name))]
        return reused + build_postings(located, lambda item: self._posting(*item), source=self)

    def _posting(self, file: Path, stamp: str, index: int, record: Any) -> Posting:
        if not isinstance(record, dict):
            raise ParseError(f"{file}: record {index + 1} is not a mapping", source=self.name)
        record = {**record, "source": self.name}
        extra = record.get("extra")
        if extra is None or isinstance(extra, dict):  # anything else: refused by the model
            record["extra"] = {**(extra or {}), "file": str(file), "file_stamp": stamp}
        if isinstance(record.get("employment_type"), str):  # same vocabulary as every board
            record["employment_type"] = parse_employment_type(record["employment_type"])
        try:
            return Posting.model_validate(record)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ParseError(
                f"{file}: record {index + 1}: {where}: {first['msg']}", source=self.name
            ) from exc


def file_stamp(file: Path, source: str) -> str:
    """What tells a changed file from an unchanged one: its size and modification time."""
    try:
        stat = file.stat()
    except OSError as exc:
        raise SourceError(f"{file}: cannot read: {exc.strerror}", source=source) from exc
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _by_file(postings: Iterable[StoredPosting]) -> dict[str, list[StoredPosting]]:
    """Stored postings grouped by the file they were read from."""
    found: dict[str, list[StoredPosting]] = defaultdict(list)
    for posting in postings:
        found[str(posting.extra.get("file"))].append(posting)
    return found


def _unchanged(stored: list[StoredPosting], stamp: str) -> list[StoredPosting]:
    """The stored postings of a file still stamped ``stamp``; none when it must be read again
    (never read, changed, or an open posting of it read at another stamp)."""
    if any(p.closed_at is None and p.extra.get("file_stamp") != stamp for p in stored):
        return []
    return [p for p in stored if p.extra.get("file_stamp") == stamp]


def _records(file: Path, source: str) -> list[Any]:
    """The records of one file, whatever its format."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it "
                         "as UTF-8", source=source) from exc
    except OSError as exc:
        raise SourceError(f"{file}: cannot read: {exc.strerror}", source=source) from exc
    if file.suffix.lower() == ".jsonl":
        return _jsonl_records(file, text, source)
    try:
        data = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = file.suffix[1:].upper()
        raise ParseError(f"{file}: not valid {kind}: {exc}", source=source) from exc
    if data is None:
        return []
    return data if isinstance(data, list) else [data]


def _jsonl_records(file: Path, text: str, source: str) -> list[Any]:
    """One record per non-blank line; an error names the line of the file."""
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ParseError(f"{file}, line {number}: not valid JSON: {exc.msg} (column "
                             f"{exc.colno})", source=source) from exc
    return records
