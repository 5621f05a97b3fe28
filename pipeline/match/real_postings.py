"""Real postings kept by the operator for evaluation: ``dataset`` + ``id`` -> a ``Posting``.

A dataset is one file in the postings folder, named by its stem, read by its format:

- ``*.jsonl``: one schema.org ``JobPosting`` per line (NHS Jobs); the id is the last path segment
  of ``url``; ``description`` is entity-escaped HTML.
- ``*.csv`` with ``job_id,company_name,title,description`` (LinkedIn); the id is ``job_id``.
- ``*.csv`` with ``Position,Company,Description`` (Indeed); the id is the 0-based data row, as
  the files' own index column repeats from page to page.

Labels files (credential labels, grade labels) name postings as ``dataset,posting_id``; only the
postings they name are kept in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.normalize.html import html_to_text, unescape_if_escaped
from pipeline.posting import Posting

Key = tuple[str, str]


def _jsonl_rows(path: Path) -> Iterator[Posting]:
    """schema.org JobPosting lines."""
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ConfigError(f"{path}:{line_no}: not a JSON line ({error.msg})") from None
            url = str(record.get("url") or "")
            yield Posting(source=path.stem, source_id=url.rstrip("/").rsplit("/", 1)[-1],
                          url=url or None, title=str(record.get("title") or ""),
                          company=(record.get("hiringOrganization") or {}).get("name"),
                          description=html_to_text(unescape_if_escaped(
                              str(record.get("description") or ""))))


#: CSV layouts: the columns that tell the layout apart, then id/title/company/description columns
#: (no id column: the 0-based data row is the id).
_CSV_LAYOUTS = (
    ({"job_id", "title", "description"}, ("job_id", "title", "company_name", "description")),
    ({"Position", "Description"}, (None, "Position", "Company", "Description")),
)


def _csv_rows(path: Path) -> Iterator[Posting]:
    """LinkedIn or Indeed CSV rows, told apart by their header."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or [])
        columns = next((cols for needed, cols in _CSV_LAYOUTS if needed <= header), None)
        if columns is None:
            raise ConfigError(f"{path}: unknown CSV layout; expected the columns "
                              "job_id,title,description (LinkedIn) or Position,Description "
                              "(Indeed)")
        id_col, title_col, company_col, text_col = columns
        for number, row in enumerate(reader):
            posting_id = str(number) if id_col is None else (row.get(id_col) or "").strip()
            yield Posting(source=path.stem, source_id=posting_id,
                          title=row.get(title_col) or "", company=row.get(company_col) or None,
                          description=row.get(text_col) or "")


_READERS = {".jsonl": _jsonl_rows, ".csv": _csv_rows}


def dataset_files(folder: Path) -> dict[str, Path]:
    """``dataset name -> file`` of every readable dataset in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no postings folder; pass --postings FOLDER")
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix in _READERS}


def read_dataset(path: Path) -> Iterator[Posting]:
    """Every posting of one dataset file (``source`` = dataset name, ``source_id`` = its id);
    ConfigError when the file cannot be read."""
    try:
        yield from _READERS[path.suffix](path)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ConfigError(f"{path}: cannot read this dataset ({error})") from None


def read_postings(folder: Path, wanted: Iterable[Key]) -> dict[Key, Posting]:
    """The postings named by ``(dataset, id)`` pairs; ConfigError naming an unknown dataset."""
    by_dataset: dict[str, set[str]] = {}
    for dataset, posting_id in wanted:
        by_dataset.setdefault(dataset, set()).add(posting_id)
    files = dataset_files(folder)
    found: dict[Key, Posting] = {}
    for dataset, ids in sorted(by_dataset.items()):
        if dataset not in files:
            raise ConfigError(f"{folder}: no dataset {dataset!r}; the folder has "
                              + (", ".join(files) or "no .jsonl or .csv file"))
        for posting in read_dataset(files[dataset]):
            if posting.source_id in ids:
                found.setdefault((dataset, posting.source_id), posting)
    return found
