"""Residency restrictions of remote jobs: which states a posting's text allows."""

import json
import subprocess
import sys

import pytest

from pipeline.normalize.residency import excluded_states, residency_states


@pytest.mark.parametrize(("texts", "states"), [
    ({"location": "Remote - Arizona"}, ["AZ"]),
    ({"location": "Remote (Texas residents only)"}, ["TX"]),
    ({"location": "remote in TX, OK"}, ["OK", "TX"]),
    ({"location": "Arizona (Remote)"}, ["AZ"]),
    ({"title": "Nurse Case Manager - Arizona (Remote)"}, ["AZ"]),
    ({"title": "RN Case Manager - Remote - Colorado or Arizona"}, ["AZ", "CO"]),
    ({"description": "You must reside in AZ to be considered."}, ["AZ"]),
    ({"description": "Applicants must live in Arizona."}, ["AZ"]),
    ({"description": "Must reside in the state of Indiana and be available to travel."}, ["IN"]),
    ({"description": "Candidates must be located in one of the following states: Arizona, "
                     "Colorado, and Texas."}, ["AZ", "CO", "TX"]),
    ({"description": "Candidates must be located in one of the following states:\n- Arizona\n"
                     "- New Mexico\n- West Virginia\nWe offer great benefits."},
     ["AZ", "NM", "WV"]),
    ({"description": "This role is open to residents of Colorado or Utah only."}, ["CO", "UT"]),
    ({"description": "This is a remote position in TX, OK and NM."}, ["NM", "OK", "TX"]),
    ({"description": "Arizona, Colorado residents only."}, ["AZ", "CO"]),
])
def test_restrictions_are_read(texts, states):
    assert residency_states(**texts) == states


@pytest.mark.parametrize("texts", [
    {"location": "Remote, US"},
    {"location": "Remote - US"},
    {"location": "Remote"},
    {"location": "Remote - Phoenix, AZ"},  # an office's city, not a residency rule
    {"location": "Phoenix, AZ (Remote)"},
    {"description": "We have offices in Arizona and Texas."},
    {"description": "Must hold an active RN license in AZ. Must reside in the United States."},
    {"description": "Are you ok with a fast pace? You must be able to work in a team or alone."},
    {"description": "Our members live in Arizona, Colorado and Texas."},
    {"description": "Remote role. This job is not open to residents of Ohio or Utah."},
    {"description": "Pay notice.\nColorado, Nevada or Washington Residents Only: the salary "
                    "range for Colorado residents is $60,000 to $80,000."},
])
def test_texts_that_restrict_nothing(texts):
    assert residency_states(**texts) == []


def test_every_text_of_a_posting_counts():
    assert residency_states("Care Manager (Remote - Texas)", "Remote",
                            "Must reside in Oklahoma or Texas.") == ["OK", "TX"]


@pytest.mark.parametrize(("description", "states"), [
    ("Remote role. This job is not open to residents of Ohio or Utah.", ["OH", "UT"]),
    ("Sadly this position is not available to candidates located in CA, NY & WA.",
     ["CA", "NY", "WA"]),
    ("At this time we are unable to hire candidates residing in California.", ["CA"]),
    ("This role is open to residents of Colorado or Utah only.", []),
])
def test_states_a_job_is_closed_to(description, states):
    assert excluded_states(description=description) == states


#: Counts the regular expressions compiled on importing residency and on reading two texts.
COMPILES = """
import json, re
import pipeline.posting, pipeline.normalize.places
compiled = []
real = re._compiler.compile
re._compiler.compile = lambda pattern, flags=0: compiled.append(pattern) or real(pattern, flags)
from pipeline.normalize.residency import residency_states
at_import = len(compiled)
residency_states(description="Coordinate care for members after their discharge.")
plain = len(compiled) - at_import
states = residency_states(description="You must reside in Arizona or Texas.")
print(json.dumps([at_import, plain, states]))
"""


def test_a_pattern_is_compiled_only_when_a_text_may_need_it():
    """Each pattern holds the list of states twice; compiling them all was most of a run's
    cost of reading the residency of its new postings. A text naming no residency compiles
    none; a restriction is read as before."""
    done = subprocess.run([sys.executable, "-c", COMPILES], capture_output=True, text=True,
                          check=True)
    assert json.loads(done.stdout) == [0, 0, ["AZ", "TX"]]
