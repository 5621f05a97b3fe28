"""The form of the full settings page: every filter the matcher knows, send time, resume.

A plain WTForms form (no cookie: the signed link is the only credential, as on the other
subscriber pages). ``filters_of`` turns it into the ``Filters`` the matcher applies.
"""

from __future__ import annotations

from pydantic import ValidationError
from wtforms import (
    BooleanField,
    DecimalField,
    FileField,
    Form,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from pipeline.config import Filters
from pipeline.normalize.employment import VOCABULARY
from pipeline.service.signup_form import PER_YEAR, PERIODS, choices

SETTINGS = [("remote", "Remote"), ("hybrid", "Hybrid"), ("onsite", "On-site")]
DAYS = [("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday"), ("thu", "Thursday"),
        ("fri", "Friday"), ("sat", "Saturday"), ("sun", "Sunday")]


class Checkboxes(SelectMultipleField):
    """Several choices, shown as checkboxes (work without JavaScript, easy on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SettingsForm(Form):
    """Where, pay, kind of job, what to leave out, when, and the resume."""

    states = StringField("States (comma-separated)", validators=[Length(max=400)])
    cities = StringField("Cities (comma-separated)", validators=[Length(max=400)])
    radius_miles = IntegerField("Or within (miles) of them",
                                validators=[Optional(), NumberRange(min=1, max=500)])
    remote = Checkboxes("Work settings (none ticked: any)", choices=choices(SETTINGS))
    min_pay = DecimalField("Minimum pay", validators=[Optional(), NumberRange(min=0, max=10**7)])
    pay_period = SelectField("per", choices=choices(PERIODS), default="year")
    employment_types = Checkboxes("Kinds of job (none ticked: any)",
                                  choices=choices([(v, v.replace("-", " ")) for v in VOCABULARY]))
    exclude_companies = StringField("Leave out these employers (comma-separated)",
                                    validators=[Length(max=1000)])
    exclude_words = StringField("Leave out jobs with these words (comma-separated)",
                                validators=[Length(max=1000)])
    max_age_days = IntegerField("Only jobs posted within (days)",
                                validators=[Optional(), NumberRange(min=1, max=365)])
    credentials_held = StringField("Credentials I hold (comma-separated)",
                                   validators=[Length(max=400)])
    send_at = TimeField("Send daily and weekly digests at", validators=[Optional()])
    weekday = SelectField("Weekly digests on", choices=choices(DAYS), default="mon")
    timezone = StringField("Time zone", validators=[Length(max=64)])
    resume = FileField("Replace my resume (PDF, DOCX or TXT)")
    remove_resume = BooleanField("Remove my resume")


def _listed(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def filters_of(form: SettingsForm) -> Filters:
    """The filters the form asks for (ValueError naming a bad value)."""
    try:
        return _filters(form)
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from exc


def _filters(form: SettingsForm) -> Filters:
    return Filters(states=_listed(form.states.data), cities=_listed(form.cities.data),
                   radius_miles=form.radius_miles.data,
                   remote=form.remote.data or [],
                   min_salary=None if form.min_pay.data is None else
                   float(form.min_pay.data) * PER_YEAR[form.pay_period.data],
                   employment_types=form.employment_types.data or [],
                   exclude_companies=_listed(form.exclude_companies.data),
                   exclude_words=_listed(form.exclude_words.data),
                   max_age_days=form.max_age_days.data,
                   credentials_held=_listed(form.credentials_held.data))


def form_data(subscriber) -> dict:
    """The form's fields as a subscriber's stored settings show them."""
    filters = subscriber.filters
    return {"states": ", ".join(filters.states), "cities": ", ".join(filters.cities),
            "radius_miles": None if filters.radius_miles is None else round(filters.radius_miles),
            "remote": [r.value for r in filters.remote],
            "min_pay": None if filters.min_salary is None else round(filters.min_salary),
            "pay_period": "year", "employment_types": list(filters.employment_types),
            "exclude_companies": ", ".join(filters.exclude_companies),
            "exclude_words": ", ".join(filters.exclude_words),
            "max_age_days": filters.max_age_days,
            "credentials_held": ", ".join(filters.credentials_held), "send_at": subscriber.send_at,
            "weekday": subscriber.weekday, "timezone": subscriber.timezone}
