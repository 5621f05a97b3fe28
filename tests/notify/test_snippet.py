"""The text under each posting of a digest says what the job is, not who the employer is."""

from __future__ import annotations

from notify_support import FixedRanker, posting

from pipeline.notify.digest import digest_items
from pipeline.notify.snippet import SNIPPET_CHARS, role_snippet

ABOUT_FIRST = """About Riverbend Health
Riverbend Health is central Ohio's largest nonprofit health system, with six hospitals and 40
clinics. We are proud to be a Magnet-designated employer.

Job Summary
We are growing and looking for a Case Mgr RN - Med/Surg. As a Case Manager on our Med/Surg units
you will own utilization review and discharge planning for 14 to 18 patients.

Responsibilities
- Apply InterQual criteria at admission and continued stay
- Lead daily progress rounds

Benefits
- Medical, dental and vision from day one

Riverbend Health is an Equal Opportunity Employer."""

SCHEDULE_LINE = """The Case Manager RN coordinates the stay and discharge of patients on two units.
Day shift, 8-hour shifts, every other holiday
You'll work 12-hour shifts with the unit's charge nurse and social worker on discharge rounds."""

HEADINGS_INLINE = """POSITION SUMMARY: Are you ready for your next step? The Care Coordinator
manages a caseload of high-risk members by phone and builds their care plans.
Pay: $40 - $48 per hour."""

BULLETS_ONLY = """Our Mission
Bridgeway Behavioral Health is Colorado's community mental health center.

The Role
Now hiring.

What you'll do
* Coordinate care with psychiatric prescribers, housing providers and courts
* Provide crisis intervention and safety planning
* Track outcome scores in the registry weekly
* Attend team huddles"""


def test_employer_boilerplate_headings_and_fluff_are_left_out():
    text = role_snippet(ABOUT_FIRST, "Riverbend Health", "Case Mgr RN - Med/Surg")
    assert text.startswith("As a Case Manager on our Med/Surg units you will own utilization")
    for unwanted in ("About", "nonprofit", "Magnet", "We are growing", "Job Summary",
                     "Equal Opportunity", "dental"):
        assert unwanted not in text, unwanted


def test_inline_headings_questions_and_pay_lines_are_left_out():
    text = role_snippet(HEADINGS_INLINE, "Sunmark Medicaid Partners", "Care Coordinator")
    assert text == ("The Care Coordinator manages a caseload of high-risk members by phone and "
                    "builds their care plans.")


def test_a_short_summary_is_followed_by_the_first_duties():
    text = role_snippet(BULLETS_ONLY, "Bridgeway Behavioral Health", "Case Manager II")
    assert text == ("Coordinate care with psychiatric prescribers, housing providers and courts. "
                    "Provide crisis intervention and safety planning. "
                    "Track outcome scores in the registry weekly.")


def test_whole_sentences_up_to_the_limit_and_a_long_one_is_cut_at_a_word():
    sentence = "You will coordinate care for members with chronic conditions every day. "
    text = role_snippet(sentence * 10)
    assert len(text) <= SNIPPET_CHARS and text.endswith("every day.")
    long_one = "You will " + "coordinate care and " * 40 + "more."
    cut = role_snippet(long_one)
    assert len(cut) <= SNIPPET_CHARS + 1 and cut.endswith("…")
    assert not cut.endswith(" and…")


def test_nothing_role_like_falls_back_to_the_text_there_is():
    assert role_snippet("We are a family company.", "Acme") == "We are a family company."
    assert role_snippet("", "Acme") == ""


def test_digest_items_carry_the_role_snippet():
    job = posting(1, company="Riverbend Health", title="Case Mgr RN - Med/Surg",
                  description=ABOUT_FIRST)
    [item] = digest_items(FixedRanker().rank([job]))
    assert item["snippet"].startswith("As a Case Manager on our Med/Surg units")


def test_schedule_lines_are_left_out_unless_they_speak_of_the_work():
    text = role_snippet(SCHEDULE_LINE, "St. Adalbert Medical Center", "Case Manager RN")
    assert "every other holiday" not in text
    assert text.startswith("The Case Manager RN coordinates") and "12-hour shifts with" in text
