"""Care Manager job alerts: fetch job postings, rank them for Care Managers, email digests.

The Python API, for notebooks and scripts (``pipeline.api``)::

    import pipeline
    cfg = pipeline.load_config("jobs.yaml")        # validated JobsConfig
    pipeline.fetch(cfg)                            # FetchReport; postings stored
    df = pipeline.rank(cfg, resume="cv.pdf")       # pandas DataFrame, best first
    pipeline.evaluate(cfg)                         # DataFrame of NDCG@10, P@10, MAP

``rank_matches`` gives the same ranking as ``Match`` objects. The names load on first use, so
``import pipeline`` stays light. ``pipeline.fetch`` is the function: the fetch stage module is
imported by name (``from pipeline.fetch import fetch_sources``).
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType

__version__ = "0.1.0"

__all__ = ["__version__", "evaluate", "fetch", "load_config", "rank", "rank_matches"]

_API = frozenset(__all__) - {"__version__"}


def __getattr__(name: str):
    """The API functions of ``pipeline.api``, imported on first use."""
    if name in _API:
        value = getattr(import_module("pipeline.api"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the API functions included before they are loaded."""
    return sorted(set(globals()) | _API)


class _Package(ModuleType):
    """This package: importing the submodule ``pipeline.fetch`` leaves ``pipeline.fetch`` the
    API function (the import system would otherwise set the attribute to the module)."""

    def __setattr__(self, name: str, value) -> None:
        if name in _API and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
