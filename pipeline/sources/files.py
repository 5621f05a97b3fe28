"""Local files: postings already in the ``Posting`` model, as JSON, JSONL or YAML.

``path`` is a file or a folder (read recursively, in name order). A JSON or YAML file holds one
posting or a list of them; JSONL holds one per line. ``source`` may be left out of each record:
it is set to the source's name; ``employment_type`` is mapped to the common vocabulary
("Full-time" -> "full-time", "per diem" -> "per-diem"). Used by the default jobs.yaml so the
pipeline runs with no network. A record that cannot be read is skipped with a warning, as on
every board.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError

from pipeline.errors import ParseError, SourceError
from pipeline.normalize import parse_employment_type
from pipeline.posting import Posting
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

    def fetch(self) -> list[Posting]:
        """Read every posting file under the configured path."""
        path = self.config.path
        if not path.exists():
            raise SourceError(f"{path} does not exist", source=self.name)
        files = [path] if path.is_file() else sorted(
            p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
        )
        located = [(file, index, record) for file in files
                   for index, record in enumerate(_records(file, self.name))]
        return build_postings(located, lambda item: self._posting(*item), source=self)

    def _posting(self, file: Path, index: int, record: Any) -> Posting:
        if not isinstance(record, dict):
            raise ParseError(f"{file}: record {index + 1} is not a mapping", source=self.name)
        record = {**record, "source": self.name}
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
