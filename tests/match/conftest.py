"""Shared helpers for matcher tests: a posting factory, the real profile, small PDF writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdf_files import write_pdf

from pipeline.match import Matcher, load_profile
from pipeline.posting import Posting

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "models" / "care_manager.yaml"


def posting(source_id: str, title: str, description: str, **fields) -> Posting:
    """A posting with sensible defaults for the fields a test does not care about."""
    return Posting(source="test", source_id=source_id, title=title, description=description,
                   company=fields.pop("company", "Mercy Health"), **fields)


@pytest.fixture
def profile():
    """The project's real Care Manager profile."""
    return load_profile(PROFILE)


@pytest.fixture
def matcher(profile):
    """A matcher with the profile's own weights (not the tuned settings file)."""
    return Matcher(profile)


@pytest.fixture
def make_posting():
    """The posting factory, as a fixture."""
    return posting


@pytest.fixture
def pdf_writer():
    """The minimal PDF writer, as a fixture."""
    return write_pdf


CORE = [
    ("RN Case Manager", "Assess patient needs, build care plans and plan discharges. RN required."),
    ("Care Coordinator", "Coordinate care and community resources for members. LCSW or RN."),
    ("Utilization Review Nurse", "Concurrent review with InterQual, medical necessity. RN."),
    ("Nurse Case Manager - Telephonic", "Telephonic case management, care plans. CCM preferred."),
    ("Social Work Case Manager", "Psychosocial assessment, community resources. LCSW required."),
    ("Transitions of Care Nurse", "Follow up after discharge to prevent readmissions. RN."),
    ("Complex Case Manager", "Caseload of members with chronic conditions; care plans. RN."),
    ("Discharge Planner", "Discharge planning to home health and skilled nursing. RN or LCSW."),
]
ADJACENT = [
    ("Director of Care Management", "Lead the care management department, budgets. RN, BSN."),
    ("Community Health Worker", "Outreach to members, community resources, home visits."),
    ("Patient Access Representative", "Insurance verification and scheduling for patients."),
    ("Quality Improvement Nurse", "HEDIS chart review and quality metrics. RN, CPHQ preferred."),
]
NOT = [
    ("Staff Nurse, ICU", "Bedside care for critically ill patients; medications. RN required."),
    ("Nurse Manager, Med Surg", "Staffing, budgets and scheduling of the unit. RN, BSN."),
    ("Claims Adjuster", "Investigate claims, set reserves, negotiate settlements."),
    ("Software Engineer", "Python services on Kubernetes for our care coordination app."),
    ("Account Manager", "Sell health plan products to employers; quotas and CRM."),
    ("Medical Assistant", "Room patients, take vitals, schedule appointments."),
    ("Property Manager", "Manage leasing, tenants and maintenance of apartments."),
    ("Travel Nurse - ER", "13-week emergency department assignment; RN license required."),
    ("Legal Assistant", "Case files, discovery and court filings for attorneys."),
    ("Pharmacist", "Verify orders and counsel patients on medications."),
]


def write_labelled_folder(folder: Path) -> Path:
    """A small labelled fixture set (postings/, labels.csv, resumes/); returns labels.csv."""
    import json

    (folder / "postings").mkdir(parents=True)
    (folder / "resumes").mkdir()
    lines, labels = [], ["source_id,grade,note"]
    for grade, group in ((2, CORE), (1, ADJACENT), (0, NOT)):
        for n, (title, body) in enumerate(group):
            source_id = f"g{grade}-{n}"
            lines.append(json.dumps({"source_id": source_id, "title": title,
                                     "company": f"Employer {n % 3}", "description": body}))
            labels.append(f"{source_id},{grade},")
    (folder / "postings" / "board.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (folder / "labels.csv").write_text("\n".join(labels) + "\n", encoding="utf-8")
    (folder / "resumes" / "rn.txt").write_text(
        "Registered Nurse (RN), CCM. Case management, discharge planning, InterQual review, "
        "care plans for members with chronic conditions.", encoding="utf-8")
    (folder / "resumes" / "engineer.txt").write_text(
        "Software engineer: Python, Go, Kubernetes, distributed systems, CI/CD.",
        encoding="utf-8")
    return folder / "labels.csv"


@pytest.fixture
def labelled(tmp_path):
    """Path of labels.csv in a small labelled fixture folder."""
    return write_labelled_folder(tmp_path / "fixtures")
