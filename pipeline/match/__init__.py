"""Matching postings to the Care Manager role and to each subscriber's resume.

    load_profile(path) -> Profile        a role profile (models/care_manager.yaml)
    read_resume(path) -> str             PDF, DOCX, .txt or .md resume text
    Matcher.from_config(config).rank(postings, resume_text, filters, min_score, top) -> [Match]
    Match(posting, score, why: Explanation)

See ``scoring`` for how the score is made and ``evaluate`` / ``tune`` for measuring and tuning it.
"""

from pipeline.match.explain import Explanation, Match
from pipeline.match.matcher import Matcher
from pipeline.match.profile import Profile, Weights, load_profile, load_weights
from pipeline.match.resume import read_resume

__all__ = ["Explanation", "Match", "Matcher", "Profile", "Weights", "load_profile",
           "load_weights", "read_resume"]
