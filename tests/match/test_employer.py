"""The text about the employer (its "About us", mission, benefits and equal-opportunity
paragraphs) does not count as the job's own: one advert per employer, so boilerplate removal
cannot find it."""

from __future__ import annotations

ABOUT_US = (
    "About Us:\n"
    "Our care managers coordinate care, build care plans, lead discharge planning and link "
    "members with community resources.\n"
    "We work in utilization review and transitions of care across the region.\n"
    "Our case management serves members with chronic conditions.\n"
)


def _clerk(make_posting, company: str, about: str):
    """An eligibility clerk's advert: the job's duties are clerical, the employer's text is not."""
    return make_posting(
        "clerk", "Eligibility Representative",
        "Responsibilities:\nAnswer calls in the call center and key in application forms.\n"
        "Check that submitted forms are complete.\n" + about, company=company)


def _scheduler(make_posting):
    """A scheduler whose own duties touch care coordination."""
    return make_posting(
        "scheduler", "Scheduling Coordinator",
        "Responsibilities:\nSchedule appointments and coordinate care with the clinic team.\n"
        "Follow up with patients after discharge.\n", company="Lakeside Clinic")


def test_an_about_us_section_does_not_rank_a_clerical_job_as_care_work(matcher, make_posting):
    board = [_clerk(make_posting, "Harbor Health Plan", ABOUT_US), _scheduler(make_posting)]
    ranked = [m.posting.source_id for m in matcher.rank(board)]
    assert ranked == ["scheduler", "clerk"]


def test_a_sentence_naming_the_employer_before_the_duties_is_the_employers(
        matcher, make_posting):
    about = ABOUT_US.replace("About Us:\n", "").replace("Our care managers",
                                                        "Harbor Health Plan care managers")
    about = about.replace("We work in", "Harbor Health Plan works in")
    clerk = _clerk(make_posting, "Harbor Health Plan", "")
    clerk.description = about + clerk.description
    ranked = [m.posting.source_id for m in matcher.rank([clerk, _scheduler(make_posting)])]
    assert ranked == ["scheduler", "clerk"]


def test_an_equal_opportunity_sentence_among_the_duties_is_the_employers(
        matcher, make_posting):
    clerk = _clerk(make_posting, "Harbor Health Plan", "")
    clerk.description += (
        "An equal opportunity employer across our care management, care coordination, "
        "utilization review, discharge planning, care plans, community resources, transitions "
        "of care and case management programs for members with chronic conditions, we hire "
        "without regard to race, age or sex.\n")
    ranked = [m.posting.source_id for m in matcher.rank([clerk, _scheduler(make_posting)])]
    assert ranked == ["scheduler", "clerk"]
