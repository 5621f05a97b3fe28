"""Matching postings to the Care Manager role and to each subscriber's resume.

    load_profile(path) -> Profile        a role profile (models/care_manager.yaml)
    read_resume(path) -> str             PDF, DOCX, .txt or .md resume text
    Matcher.from_config(config).rank(postings, resume_text, filters, min_score, top) -> [Match]
    Match(posting, score, why: Explanation)

See ``scoring`` for how the score is made and ``evaluate`` / ``tune`` for measuring and tuning it.
"""

from importlib import import_module

#: Where each public name lives; loaded on first use, so importing one small module of the
#: package (``pipeline.match.resume`` for the web pages) does not load scikit-learn.
_PUBLIC = {
    "Explanation": "pipeline.match.explain", "Match": "pipeline.match.explain",
    "Matcher": "pipeline.match.matcher", "Profile": "pipeline.match.profile",
    "Weights": "pipeline.match.profile", "load_profile": "pipeline.match.profile",
    "load_weights": "pipeline.match.profile", "read_resume": "pipeline.match.resume",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    """A public name, imported from its module on first use."""
    if name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, the public ones included before they are loaded."""
    return sorted(set(globals()) | set(_PUBLIC))
