"""The full settings page and "delete my data", reached from the preferences page.

    GET/POST /settings/<token>         every filter the matcher knows (max posting age and
                                       credentials held too), send time, weekday, time zone,
                                       and the resume (upload or remove)
    GET      /settings/<token>/delete  "Delete my data?" with one button
    POST     /settings/<token>/delete  deletes name, resume, settings, feedback and digests;
                                       keeps a one-way hash of the address with the postings sent

Saved settings are the subscriber's own choice, kept by later jobs.yaml syncs. A refused form
comes back as it was typed, with the reason.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.datastructures import CombinedMultiDict

from pipeline.config import FIRST_DIGEST_MAX_AGE_DAYS
from pipeline.errors import ResumeError, SubscriberError
from pipeline.match.resume import MAX_RESUME_BYTES
from pipeline.service.app_state import page_store, token_subscriber
from pipeline.service.settings_form import SettingsForm, filters_of, form_data
from pipeline.service.signup_form import resume_text_of
from pipeline.store import Store, Subscriber

settings_pages = Blueprint("settings", __name__)




def _page(**values) -> str:
    """The settings page with these values (form, token, subscriber, saved or error)."""
    return render_template("settings.html", first_digest_days=FIRST_DIGEST_MAX_AGE_DAYS,
                           **values)


@settings_pages.route("/settings/<token>", methods=["GET", "POST"], endpoint="page")
def settings(token: str):
    """Show, and on POST save, every setting and the resume."""
    subscriber = token_subscriber(token)
    if request.method == "GET":
        form = SettingsForm(data=form_data(subscriber))
        return _page(form=form, token=token, subscriber=subscriber)
    form = SettingsForm(CombinedMultiDict((request.files, request.form)))
    error = None
    if not form.validate():
        error = "; ".join(f"{form[name].label.text}: {' '.join(problems)}"
                          for name, problems in form.errors.items())
    else:
        try:
            save_settings(page_store(), subscriber, form)
        except (SubscriberError, ResumeError, ValueError) as exc:
            error = str(exc)
    if error:
        return _page(form=form, token=token, subscriber=subscriber, error=error), 400
    saved = token_subscriber(token)
    return _page(form=SettingsForm(data=form_data(saved)), token=token, subscriber=saved,
                 saved=True)


def save_settings(store: Store, subscriber: Subscriber, form: SettingsForm) -> None:
    """Store a valid form: filters, schedule and resume (read before anything is saved)."""
    resume = resume_text_of(form.resume.data if form.resume.data else None, MAX_RESUME_BYTES)
    changed = {"filters": filters_of(form).model_dump(mode="json"),
               "weekday": form.weekday.data, "timezone": form.timezone.data.strip() or "UTC"}
    if form.send_at.data:
        changed["send_at"] = form.send_at.data.strftime("%H:%M")
    store.update_settings(subscriber.id, by_subscriber=True, **changed)
    if resume is not None:
        store.set_resume_text(subscriber.id, resume)
    elif form.remove_resume.data:
        store.set_resume_text(subscriber.id, None)


@settings_pages.route("/settings/<token>/delete", methods=["GET", "POST"], endpoint="delete")
def delete_data(token: str):
    """Ask, and on POST delete everything stored about the subscriber."""
    subscriber = token_subscriber(token)
    if request.method == "GET":
        return render_template("delete.html", token=token, subscriber=subscriber)
    page_store().forget_feedback(subscriber.id)
    page_store().purge_subscriber(subscriber.email)
    return render_template("deleted.html", email=subscriber.email)
