"""What a digest tells a subscriber about each match: resume overlap and a calibrated strength.

Through a whole run: files source -> store -> matcher (the project's profile, tuned settings and
calibration) -> outbox -> file transport; the .eml written is read back.
"""

from __future__ import annotations

import json
from email import message_from_bytes, policy

from bs4 import BeautifulSoup
from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import write_config

STRONG = {
    "source_id": "strong", "title": "RN Case Manager - Utilization Review",
    "company": "Lakeside Health", "location": "Columbus, OH", "remote": "onsite",
    "url": "https://jobs.example/strong",
    "description": (
        "The RN Case Manager coordinates care for hospitalized patients with complex medical and "
        "social needs. Performs utilization review using InterQual criteria, completes "
        "assessments, builds individualized care plans, leads discharge planning and transitions "
        "of care to skilled nursing, home health and hospice, and works with payers on "
        "authorizations. Collaborates with physicians, social workers and the interdisciplinary "
        "team, connects patients with community resources, follows high-risk patients after "
        "discharge to reduce readmissions, and documents in Epic. Requires an active RN "
        "license; CCM preferred; three years of acute care case management."),
}
BORDERLINE = {  # the role's title over a thin body: the matcher's raw score is still 0.71
    "source_id": "borderline", "title": "Nurse Case Manager", "company": "Summit Clinic",
    "location": "Dayton, OH", "remote": "onsite", "url": "https://jobs.example/borderline",
    "description": ("Join our clinic team. Work with patients and families, coordinate referrals "
                    "and follow up by phone. RN license required. Full-time, weekdays, "
                    "competitive pay and benefits."),
}
OTHERS = [
    {"source_id": "icu", "title": "Staff Nurse, ICU", "company": "Other Co",
     "location": "Austin, TX", "remote": "onsite", "url": "https://jobs.example/icu",
     "description": "Bedside critical care nursing in a 24-bed ICU: ventilators, drips, "
                    "12-hour shifts. RN license, BLS, ACLS."},
    {"source_id": "dev", "title": "Senior Software Engineer", "company": "Byte Corp",
     "location": "Austin, TX", "remote": "onsite", "url": "https://jobs.example/dev",
     "description": "Build data pipelines in Python and Go; Kubernetes, AWS, CI/CD."},
]
RESUME = ("Registered nurse, 6 years of hospital case management: utilization review with "
          "InterQual, discharge planning, transitions of care to skilled nursing and home health, "
          "care plans, readmission reduction for high-risk patients, Epic. RN, CCM.")


def _config(tmp_path):
    resume = tmp_path / "resume.txt"
    resume.write_text(RESUME, encoding="utf-8")
    return write_config(tmp_path, [STRONG, BORDERLINE, *OTHERS], subscribers=[
        {"email": "dana@example.org", "name": "Dana", "resume": str(resume)}])


def _digest(tmp_path) -> tuple[str, str]:
    """(plain text, HTML text) of the one digest a run sends."""
    result = CliRunner().invoke(cli, ["run", "--config", str(_config(tmp_path))])
    assert result.exit_code == 0, result.output
    [eml] = list(tmp_path.rglob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    html = message.get_body(("html",)).get_content()
    return message.get_body(("plain",)).get_content(), BeautifulSoup(html, "lxml").get_text()


def _block(text: str, title: str) -> str:
    """The lines of the digest entry whose title line ends with ``title``."""
    start = next(i for i, line in enumerate(text.splitlines()) if line.endswith(f". {title}"))
    lines = text.splitlines()[start:]
    end = next((i for i, line in enumerate(lines[1:], 1) if line[:1].isdigit()), len(lines))
    return "\n".join(lines[:end])


def test_both_parts_show_what_the_posting_shares_with_the_resume(tmp_path):
    text, html = _digest(tmp_path)
    for part in (text, html):
        assert "Shares with your resume: utilization review, interqual" in " ".join(part.split())


def test_a_clearly_strong_and_a_borderline_posting_show_different_strengths(tmp_path):
    text, html = _digest(tmp_path)
    strong = _block(text, STRONG["title"])
    borderline = _block(text, BORDERLINE["title"])
    assert "Strong match: " in strong
    assert int(strong.split(" match: ")[1].split("%")[0]) >= 80
    assert "Strong match" not in borderline  # before calibration: "Strong match: 71%"
    percent = int(borderline.split(" match: ")[1].split("%")[0])
    assert percent <= 50
    assert "share of typical care-manager postings" in text
    assert "share of typical care-manager postings" in html


def test_rank_shows_the_strength_and_the_resume_terms(tmp_path):
    config = _config(tmp_path)
    assert CliRunner().invoke(cli, ["fetch", "--config", str(config)]).exit_code == 0
    result = CliRunner().invoke(cli, ["rank", "--config", str(config), "--json",
                                      "--subscriber", "dana@example.org"])
    assert result.exit_code == 0, result.output
    records = {r["source_id"]: r for r in map(json.loads, result.output.splitlines())}
    assert records["strong"]["strength"] >= 80  # peers are other employers' postings only
    assert records["borderline"]["strength"] < 50
    assert "interqual" in records["strong"]["why"]["resume_terms"]
    table = CliRunner().invoke(cli, ["rank", "--config", str(config),
                                     "--subscriber", "dana@example.org"])
    assert "strength" in table.output and f"{records['strong']['strength']}%" in table.output
    assert "shares with your resume" in " ".join(table.output.split())
