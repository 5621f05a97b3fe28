"""The sign-up form (Flask-WTF: CSRF token, field checks) and what it turns into.

``settings_of`` makes the subscriber settings a confirmed sign-up gets; ``resume_text_of`` reads
an uploaded resume with the CLI's own reader (``pipeline.match.resume``), so the same files pass
and the same sentences explain a refusal. The ``website`` field is a honeypot: hidden from people
by the style sheet, filled in by form-filling robots.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DecimalField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from pipeline.config import SubscriberConfig
from pipeline.errors import SubscriberError
from pipeline.match.resume import read_resume

RESUME_TYPES = ("pdf", "docx", "txt")
FREQUENCIES = [("daily", "Once a day"), ("weekly", "Once a week"),
               ("instant", "After every run (as soon as there is something new)")]
REMOTE = [("", "Any: on-site, hybrid or remote"), ("remote", "Remote only"),
          ("remote,hybrid", "Remote or hybrid"), ("onsite,hybrid", "On-site or hybrid")]
#: Hours of work a year, to compare any pay with the annualised minimum the matcher uses.
PER_YEAR = {"hour": 2080, "week": 52, "month": 12, "year": 1}
PERIODS = [("year", "a year"), ("hour", "an hour"), ("week", "a week"), ("month", "a month")]


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """(value, text) pairs as the options of a select field."""
    return [SelectChoice(value, text) for value, text in pairs]


class SignupForm(FlaskForm):
    """The public sign-up form."""

    email = EmailField("E-mail", validators=[DataRequired("Enter your e-mail address."),
                                             Length(max=320)])
    name = StringField("Name (for the greeting)", validators=[Optional(), Length(max=100)])
    resume = FileField("Resume (PDF, DOCX or TXT; optional)", validators=[
        FileAllowed(RESUME_TYPES, "The resume must be a PDF, DOCX or TXT file.")])
    state = StringField("State", validators=[Optional(), Length(max=40)])
    city = StringField("City", validators=[Optional(), Length(max=80)])
    radius_miles = IntegerField("Or within (miles) of it",
                                validators=[Optional(), NumberRange(min=1, max=500)])
    remote = SelectField("Where you want to work", choices=choices(REMOTE), default="")
    min_pay = DecimalField("Minimum pay", validators=[Optional(), NumberRange(min=0, max=10**7)])
    pay_period = SelectField("per", choices=choices(PERIODS), default="year")
    frequency = SelectField("How often", choices=choices(FREQUENCIES), default="daily")
    send_at = TimeField("At (your time)", default=None, validators=[Optional()])
    timezone = StringField("Time zone", default="UTC", validators=[Length(max=64)])
    website = StringField("Leave this empty", validators=[Optional()])


def settings_of(form: SignupForm, email: str) -> dict:
    """The subscriber settings of a valid form (JSON-ready); SubscriberError naming a bad one."""
    filters = {"remote": [v for v in form.remote.data.split(",") if v],
               "states": [form.state.data.strip()] if form.state.data else [],
               "cities": [form.city.data.strip()] if form.city.data else [],
               "radius_miles": form.radius_miles.data,
               "min_salary": None if form.min_pay.data is None else
               float(form.min_pay.data) * PER_YEAR[form.pay_period.data]}
    values = {"email": email, "name": (form.name.data or "").strip() or None,
              "frequency": form.frequency.data, "timezone": form.timezone.data or "UTC",
              "filters": filters}
    if form.send_at.data:
        values["send_at"] = form.send_at.data.strftime("%H:%M")
    try:
        return SubscriberConfig.model_validate(values).model_dump(mode="json")
    except ValueError as exc:
        first = exc.errors()[0] if hasattr(exc, "errors") else {"loc": (), "msg": str(exc)}
        where = ".".join(str(part) for part in first["loc"])
        raise SubscriberError(f"{where}: {first['msg']}") from exc


def resume_text_of(upload, max_bytes: int) -> str | None:
    """The text of an uploaded resume (None when none was sent); ResumeError as the CLI says."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    suffix = Path(upload.filename).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="signup-") as folder:
        path = Path(folder) / f"resume{suffix}"
        upload.save(path)
        return read_resume(path, max_bytes=max_bytes)
