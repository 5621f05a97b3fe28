"""Every source the pipeline can read, by its ``type`` in jobs.yaml.

Adding a board: write ``pipeline/sources/<name>.py`` and add one line to ``_SOURCES``.
"""

from __future__ import annotations

from pipeline.sources import (
    adzuna,
    ashby,
    careeronestop,
    files,
    greenhouse,
    himalayas,
    icims,
    jibe,
    jsonld,
    lever,
    oracle,
    remotive,
    rss,
    smartrecruiters,
    usajobs,
    workable,
    workday,
)
from pipeline.sources.base import Source, SourceConfig

_SOURCES: tuple[type[Source], ...] = (
    files.FilesSource,
    usajobs.UsajobsSource,
    himalayas.HimalayasSource,
    remotive.RemotiveSource,
    jsonld.JsonLdSource,
    rss.RssSource,
    greenhouse.GreenhouseSource,
    lever.LeverSource,
    ashby.AshbySource,
    smartrecruiters.SmartRecruitersSource,
    workable.WorkableSource,
    workday.WorkdaySource,
    oracle.OracleSource,
    icims.IcimsSource,
    jibe.JibeSource,
    adzuna.AdzunaSource,
    careeronestop.CareerOneStopSource,
)

REGISTRY: dict[str, type[Source]] = {cls.type: cls for cls in _SOURCES}

__all__ = ["REGISTRY", "Source", "SourceConfig"]
