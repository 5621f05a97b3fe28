"""Care Manager job alerts: fetch job postings, rank them for Care Managers, email digests.

The Python API, for notebooks and scripts (``pipeline.api``)::

    import pipeline
    cfg = pipeline.load_config("jobs.yaml")        # validated JobsConfig
    pipeline.fetch(cfg)                            # FetchReport; postings stored
    df = pipeline.rank(cfg, resume="cv.pdf")       # pandas DataFrame, best first
    pipeline.evaluate(cfg)                         # DataFrame of NDCG@10, P@10, MAP

``rank_matches`` gives the same ranking as ``Match`` objects. The names load on first use, so
``import pipeline`` stays light.
"""

from __future__ import annotations

from importlib import import_module

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
