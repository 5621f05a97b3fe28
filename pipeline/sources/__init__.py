"""Every source the pipeline can read, by its ``type`` in jobs.yaml.

Adding a board: write ``pipeline/sources/<name>.py`` and add one line to ``_SOURCES``. Importing
this package registers each source type with the config layer (``pipeline.config.sources``),
which validates ``sources:`` in jobs.yaml with the type's config model. A board's module is
imported when its type is first used (a jobs.yaml naming it, ``REGISTRY[type]``), so a run of
local files loads no board's parser, HTML or date library.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from importlib import import_module

from pipeline.config.sources import register_source_type
from pipeline.sources.base import Source, SourceConfig

#: Each source type: its module in this package and its ``Source`` class there.
_SOURCES: dict[str, tuple[str, str]] = {
    "files": ("files", "FilesSource"),
    "usajobs": ("usajobs", "UsajobsSource"),
    "himalayas": ("himalayas", "HimalayasSource"),
    "remotive": ("remotive", "RemotiveSource"),
    "jsonld": ("jsonld", "JsonLdSource"),
    "rss": ("rss", "RssSource"),
    "greenhouse": ("greenhouse", "GreenhouseSource"),
    "lever": ("lever", "LeverSource"),
    "ashby": ("ashby", "AshbySource"),
    "smartrecruiters": ("smartrecruiters", "SmartRecruitersSource"),
    "workable": ("workable", "WorkableSource"),
    "workday": ("workday", "WorkdaySource"),
    "oracle": ("oracle", "OracleSource"),
    "icims": ("icims", "IcimsSource"),
    "jibe": ("jibe", "JibeSource"),
    "adzuna": ("adzuna", "AdzunaSource"),
    "careeronestop": ("careeronestop", "CareerOneStopSource"),
}


class _Registry(MutableMapping[str, type[Source]]):
    """``type`` -> ``Source`` class; each class imported on first lookup, every name known
    before (``in``, iteration and ``len`` import nothing)."""

    def __init__(self, sources: dict[str, tuple[str, str]]):
        self._where = dict(sources)
        self._loaded: dict[str, type[Source]] = {}

    def __getitem__(self, kind: str) -> type[Source]:
        if kind not in self._loaded:
            module, name = self._where[kind]  # KeyError: no such type
            self._loaded[kind] = getattr(import_module(f"{__name__}.{module}"), name)
        return self._loaded[kind]

    def __setitem__(self, kind: str, source: type[Source]) -> None:
        self._loaded[kind] = source

    def __delitem__(self, kind: str) -> None:
        if kind not in self:
            raise KeyError(kind)
        self._loaded.pop(kind, None)
        self._where.pop(kind, None)

    def __iter__(self) -> Iterator[str]:
        return iter({**self._where, **self._loaded})

    def __len__(self) -> int:
        return len(self._where.keys() | self._loaded.keys())

    def __contains__(self, kind: object) -> bool:
        return kind in self._where or kind in self._loaded


REGISTRY: MutableMapping[str, type[Source]] = _Registry(_SOURCES)


def _config_of(kind: str):
    """The config model of a source type, its module imported now."""
    return lambda: REGISTRY[kind].Config


for _kind in _SOURCES:
    register_source_type(_kind, _config_of(_kind))

__all__ = ["REGISTRY", "Source", "SourceConfig"]
