"""Every source the pipeline can read, by its ``type`` in jobs.yaml.

Adding a board: write ``pipeline/sources/<name>.py`` and add one line to ``_SOURCES``. Importing
this package registers each source's config model with the config layer
(``pipeline.config.sources``), which validates ``sources:`` in jobs.yaml with them.
"""

from __future__ import annotations

from pipeline.config.sources import register_source_config
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

for _source in _SOURCES:
    register_source_config(_source.type, _source.Config)

__all__ = ["REGISTRY", "Source", "SourceConfig"]
