"""The keys every source accepts in jobs.yaml, and the registry of each source type's own keys.

A source type registers its config model here (``register_source_config``), or a function that
imports it on first use (``register_source_type``); ``pipeline.sources`` registers the built-in
boards so when it is imported. The config layer only reads the registry, so it never imports a
source module: on first use ``source_types`` / ``source_config`` import the package named by
``BUILTIN_SOURCES`` (by name, as a plug-in is found), which registers the built-in types, and
a type's model is loaded only when a jobs.yaml names that type.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipeline.config.values import check_crontab, parse_interval

#: The package whose import registers the built-in source types.
BUILTIN_SOURCES = "pipeline.sources"

_MODELS: dict[str, type[SourceConfig] | Callable[[], type[SourceConfig]]] = {}


class Schedule(BaseModel):
    """When the scheduler fetches a source: a cron expression or an interval like ``6h``."""

    model_config = ConfigDict(extra="forbid")

    cron: str | None = Field(default=None, description="crontab expression, e.g. '0 */6 * * *'")
    every: str | None = Field(default=None, description="interval: '30m', '6h', '1d'")

    @field_validator("cron")
    @classmethod
    def _crontab(cls, value: str | None) -> str | None:
        """Five crontab fields the scheduler can use."""
        if value is not None:
            check_crontab(value)
        return value

    @field_validator("every")
    @classmethod
    def _interval(cls, value: str | None) -> str | None:
        """A number and a unit: '30m', '6h', '1d'."""
        if value is not None:
            parse_interval(value)
        return value

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if self.cron and self.every:
            raise ValueError(f"give either cron or every, not both (got cron {self.cron!r} "
                             f"and every {self.every!r})")
        return self


def whole_days(value: Any) -> Any:
    """Validator of a number of days: a whole number, 1 or more (not '30', 2.5 or true)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError("write a whole number of days, 1 or more, like 30")
    return value


class SourceConfig(BaseModel):
    """Keys every source accepts; each source type adds its own."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="unique name of this source; stored with each posting")
    type: str
    url: str | None = Field(default=None, description="replaces the board's endpoint")
    enabled: bool = True
    schedule: Schedule | None = None
    stale_after_days: int | None = Field(
        default=None, description="close a posting this source has not shown for this many "
                                  "days; default: postings.stale_after_days")
    max_age_days: int | None = Field(
        default=None, description="leave out postings posted more than this many days ago")

    _days = field_validator("stale_after_days", "max_age_days", mode="before")(whole_days)


def register_source_config(kind: str, model: type[SourceConfig]) -> None:
    """Make ``type: <kind>`` in jobs.yaml validate its entry with ``model``."""
    _MODELS[kind] = model


def register_source_type(kind: str, load: Callable[[], type[SourceConfig]]) -> None:
    """Make ``type: <kind>`` in jobs.yaml validate its entry with the model ``load()`` returns,
    called when a jobs.yaml first names the type."""
    _MODELS[kind] = load


def source_types() -> list[str]:
    """Every registered source type's name, in registration order (no model is loaded)."""
    importlib.import_module(BUILTIN_SOURCES)  # registers the built-in types once, on first use
    return list(_MODELS)


def source_config(kind: str) -> type[SourceConfig] | None:
    """The config model of a source type (loaded now if it was registered to load on first
    use); None for a type nobody registered."""
    importlib.import_module(BUILTIN_SOURCES)
    model = _MODELS.get(kind)
    if model is None or isinstance(model, type):
        return model
    _MODELS[kind] = model = model()
    return model
