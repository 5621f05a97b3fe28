"""The conditional-GET cache behind ``pipeline.http``: validators and bodies on disk.

One entry per URL + query parameters, two files named by a SHA-256 of the key: ``<key>.json``
(ETag, Last-Modified, status, headers) and ``<key>.body``. Writes go through a temporary file and
``os.replace`` so concurrent threads never read a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

#: Response headers kept with a cached body (enough to decode it again).
KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Content-Language")


@dataclass
class CacheEntry:
    """A cached response: its validators, kept headers and body."""

    url: str
    headers: dict[str, str]
    content: bytes

    def validators(self) -> dict[str, str]:
        """Request headers that make the next GET conditional."""
        out = {}
        if "ETag" in self.headers:
            out["If-None-Match"] = self.headers["ETag"]
        if "Last-Modified" in self.headers:
            out["If-Modified-Since"] = self.headers["Last-Modified"]
        return out


def cache_key(url: str, params: dict | None) -> str:
    """The cache key of a GET: the URL plus its sorted query parameters, hashed."""
    query = urlencode(sorted((params or {}).items()), doseq=True)
    return hashlib.sha256(f"{url}?{query}".encode()).hexdigest()


class HttpCache:
    """ETag / Last-Modified validators and bodies, stored in one folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def load(self, key: str) -> CacheEntry | None:
        """The cached entry for ``key``, or None when there is none (or it is unreadable)."""
        meta_path, body_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = body_path.read_bytes()
        except (OSError, ValueError):
            return None  # a missing or damaged entry only costs one full download
        return CacheEntry(url=meta["url"], headers=meta["headers"], content=content)

    def save(self, key: str, url: str, headers: dict[str, str], content: bytes) -> None:
        """Store a 200 response that carries a validator; other responses are not cached."""
        kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
        if "ETag" not in kept and "Last-Modified" not in kept:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        meta_path, body_path = self._paths(key)
        _atomic_write(body_path, content)
        _atomic_write(meta_path, json.dumps({"url": url, "headers": kept}).encode())

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.folder / f"{key}.json", self.folder / f"{key}.body"


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new file, never a part."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
