"""Subscriber commands: `subscribers list|add|show|pause|resume|remove|unsubscribe-mail`,
`preview`, `outbox`.

Like every command, these only call library functions; ``PipelineError`` becomes a message in
``pipeline.cli``.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION, cli, open_config


@cli.group()
def subscribers() -> None:
    """Add, list, show, pause, resume and remove the people who receive digests."""


@subscribers.command("list")
@CONFIG_OPTION
def subscribers_list(config_path: Path) -> None:
    """List subscribers with their frequency and state."""
    from pipeline.notify.subscribers import sync_subscribers
    from pipeline.store import Store

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        sync_subscribers(config, store)
        found = store.list_subscribers()
    if not found:
        click.echo("No subscribers. Add one with `pipeline subscribers add EMAIL`.")
    for sub in found:
        state = _state(sub)
        origin = "jobs.yaml" if sub.from_config else "cli"
        resume = sub.resume.name if sub.resume else "no resume"
        resume += " (unreadable)" if sub.resume_error else ""
        click.echo(f"{sub.email}\t{sub.name or ''}\t{sub.frequency}\t{state}\t{resume}\t{origin}")


@subscribers.command("add")
@CONFIG_OPTION
@click.argument("email")
@click.option("--name", help="Name used in the greeting.")
@click.option("--resume", type=click.Path(dir_okay=False, path_type=Path),
              help="Resume file (PDF, DOCX, text or Markdown).")
@click.option("--frequency", type=click.Choice(["instant", "daily", "weekly"]),
              default="instant", show_default=True,
              help="instant: after every run with something new; daily / weekly: at --send-at.")
@click.option("--send-at", default="08:00", show_default=True, metavar="HH:MM",
              help="Local time of daily and weekly digests.")
@click.option("--weekday", type=click.Choice(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
              default="mon", show_default=True, help="Day of weekly digests.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone.")
@click.option("--min-score", type=click.FloatRange(0, 1), help="Only postings scoring above.")
@click.option("--digest-size", type=click.IntRange(1, 50), default=10, show_default=True,
              help="At most this many postings per digest.")
@click.option("--remote-only", is_flag=True, help="Only remote postings.")
@click.option("--state", "states", multiple=True, metavar="STATE",
              help="Only postings in this US state (repeatable), e.g. --state OH.")
@click.option("--min-salary", type=click.FloatRange(min=0), help="Annual salary at least.")
@click.option("--exclude", "exclude_words", multiple=True, metavar="WORD",
              help="Skip postings mentioning this word (repeatable).")
def subscribers_add(config_path: Path, email: str, name: str | None, resume: Path | None,
                    frequency: str, send_at: str, weekday: str, timezone: str,
                    min_score: float | None, digest_size: int, remote_only: bool,
                    states: tuple[str, ...], min_salary: float | None,
                    exclude_words: tuple[str, ...]) -> None:
    """Add a subscriber (or update the one with this e-mail); the resume is read at once."""
    from pipeline.notify.subscribers import add_subscriber, subscriber_config
    from pipeline.store import Store

    config = open_config(config_path)
    filters = {"remote": ["remote"] if remote_only else [], "states": list(states),
               "min_salary": min_salary, "exclude_words": list(exclude_words)}
    sub_config = subscriber_config(
        email=email, name=name, resume=resume, frequency=frequency, send_at=send_at,
        weekday=weekday, timezone=timezone, min_score=min_score, digest_size=digest_size,
        filters=filters)
    with Store(config.database_url()) as store:
        added = add_subscriber(store, sub_config)
    when = "" if added.frequency == "instant" else f" at {added.send_at:%H:%M} {added.timezone}"
    click.echo(f"Subscribed {added.email} ({added.frequency}{when}).")


@subscribers.command("remove")
@CONFIG_OPTION
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed without a "
              "terminal).")
def subscribers_remove(config_path: Path, email: str, yes: bool) -> None:
    """Delete a subscriber's data now (name, resume, settings, digests).

    A hash of the address is kept with the postings they were sent, so that if they are added
    again they never get one of those twice.
    """
    from pipeline.errors import SubscriberError
    from pipeline.notify.subscribers import removable, remove_subscriber
    from pipeline.store import Store

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        removable(config, store, email)  # an unknown or listed address fails before asking
        if not yes and not sys.stdin.isatty():
            raise SubscriberError(f"not removing {email} without confirmation: pass --yes "
                                  "(no terminal to ask on)")
        if not yes:
            click.confirm(f"Delete everything stored about {email}?", abort=True)
        remove_subscriber(config, store, email)
    click.echo(f"Removed {email} and their data (a hash of the address is kept so that the "
               "postings they had are never sent to them again).")


def _state(sub) -> str:
    if sub.removed_at:
        return "removed"
    return "unsubscribed" if sub.unsubscribed_at else ("paused" if sub.paused else "active")


@subscribers.command("show")
@CONFIG_OPTION
@click.argument("email")
def subscribers_show(config_path: Path, email: str) -> None:
    """Everything stored about one subscriber, and when the next digest is due."""
    from pipeline.notify.due import is_due, next_slot
    from pipeline.notify.subscribers import sync_subscribers
    from pipeline.store import Store
    from pipeline.store.schema import utcnow

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        sync_subscribers(config, store)
        sub = store.get_subscriber(email)
        given = len(store.sent_posting_ids(sub.id))
    now = utcnow()
    when = "now" if is_due(sub, now) else (f"{next_slot(sub, now):%Y-%m-%d %H:%M %Z}"
                                            if sub.active else "never (not active)")
    threshold = sub.min_score if sub.min_score is not None else config.matching.min_score
    state = _state(sub) + (f" on {sub.removed_at:%Y-%m-%d}, data purged after "
                           f"{sub.removed_at + _grace(config):%Y-%m-%d}" if sub.removed_at else "")
    rows = [("e-mail", sub.email), ("name", sub.name or ""), ("state", state),
            ("from", "jobs.yaml" if sub.from_config else "cli"),
            *_resume_rows(sub),
            ("frequency", sub.frequency if sub.frequency == "instant" else
             f"{sub.frequency} at {sub.send_at:%H:%M} {sub.timezone}"
             + (f" on {sub.weekday}" if sub.frequency == "weekly" else "")),
            ("next digest", when), ("min score", f"{threshold:.2f}"),
            ("digest size", str(sub.digest_size)),
            ("filters", sub.filters.model_dump_json(exclude_defaults=True)),
            ("postings sent", str(given)),
            ("last digest", f"{sub.last_digest_at:%Y-%m-%d %H:%M} UTC"
             if sub.last_digest_at else "never")]
    for key, value in rows:
        click.echo(f"{key + ':':<15}{value}")


def _resume_rows(sub) -> list[tuple[str, str]]:
    """The resume lines of `subscribers show`: the file, and why it cannot be read, if so."""
    from pipeline.notify.subscribers import fallback

    if not sub.resume_error:
        return [("resume", f"{sub.resume or 'none'} ({len(sub.resume_text or '')} characters)")]
    return [("resume", f"{sub.resume} (cannot be read: digests use {fallback(sub)})"),
            ("resume error", sub.resume_error)]
def _grace(config) -> timedelta:
    return timedelta(days=config.database.purge_removed_after_days)


def _set_paused(config_path: Path, email: str, paused: bool) -> None:
    from pipeline.notify.subscribers import sync_subscribers
    from pipeline.store import Store

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        sync_subscribers(config, store)
        sub = store.get_subscriber(email)
        store.update_settings(sub.id, by_subscriber=True, paused=paused)
    click.echo(f"{'Paused' if paused else 'Resumed'} digests for {sub.email}.")


@subscribers.command("pause")
@CONFIG_OPTION
@click.argument("email")
def subscribers_pause(config_path: Path, email: str) -> None:
    """Stop a subscriber's digests until `resume` (kept even when jobs.yaml says otherwise)."""
    _set_paused(config_path, email, True)


@subscribers.command("resume")
@CONFIG_OPTION
@click.argument("email")
def subscribers_resume(config_path: Path, email: str) -> None:
    """Start a paused subscriber's digests again."""
    _set_paused(config_path, email, False)


@subscribers.command("unsubscribe-mail")
@CONFIG_OPTION
@click.argument("mailbox", metavar="PATH",
                type=click.Path(exists=True, readable=True, path_type=Path))
@click.option("--dry-run", is_flag=True,
              help="Show what would be done; change neither the database nor the mailbox.")
def subscribers_unsubscribe_mail(config_path: Path, mailbox: Path, dry_run: bool) -> None:
    """Unsubscribe those who mailed `unsubscribe TOKEN` to email.unsubscribe_mailto.

    PATH is the Maildir folder or mbox file that address is delivered to. Processed messages
    are moved to the Maildir's `processed` sub-folder (mbox: their Message-IDs are kept in the
    database); messages not understood stay and are listed with the reason at every run.
    """
    from pipeline.notify.mail_unsubscribe import process_mailbox
    from pipeline.store import Store

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        report = process_mailbox(config, store, mailbox, dry_run=dry_run)
    click.echo(report.summary())
    for line in report.lines():
        click.echo(f"  {line}")


@cli.command()
@CONFIG_OPTION
@click.option("--subscriber", "email", required=True, metavar="EMAIL",
              help="Whose next digest to show.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="The .html file to write [default: preview-<email>.html].")
def preview(config_path: Path, email: str, out: Path | None) -> None:
    """Write a subscriber's next digest to an .html file; nothing is sent or recorded."""
    from pipeline.match import Matcher
    from pipeline.notify import preview as render_preview
    from pipeline.notify.subscribers import sync_subscribers
    from pipeline.store import Store

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        sync_subscribers(config, store)
        digest = render_preview(config, store, Matcher.from_config(config), email)
    if digest is None:
        click.echo(f"Nothing to preview for {email}: nothing new above their threshold "
                   "(no file written).")
        return
    subject, html = digest
    out = out or Path(f"preview-{email.strip().lower()}.html")
    out.write_text(html, encoding="utf-8")
    click.echo(f"{subject}\nWrote {out}.")


@cli.command()
@CONFIG_OPTION
@click.option("--retry", is_flag=True, help="Put failed digests back in the queue, make "
              "waiting ones due (the IDs given, else all; a maybe-delivered one only by its "
              "ID), and send the queue now.")
@click.argument("ids", nargs=-1, type=int)
def outbox(config_path: Path, retry: bool, ids: tuple[int, ...]) -> None:
    """List pending, failed and maybe-delivered digests; --retry requeues them and sends now."""
    from pipeline.notify import retry_outbox
    from pipeline.run import check_secrets
    from pipeline.store import Store
    from pipeline.store.outbox import MAYBE_DELIVERED

    if ids and not retry:
        raise click.UsageError("IDs are only used with --retry")
    config = open_config(config_path)
    if retry:
        check_secrets(config, sources=False)  # it sends: SMTP login, DKIM key
    with Store(config.database_url()) as store:
        if retry:
            count, report = retry_outbox(config, store, list(ids) if ids else None)
            click.echo(f"Requeued {count}; sent {report.sent}, failed {report.failed}, "
                       f"maybe delivered {report.maybe_delivered}, pending {report.pending}.")
            for line in report.lines:
                click.echo(f"  {line}")
        rows = store.outbox_rows(("pending", "failed", MAYBE_DELIVERED))
    if not rows:
        click.echo("The outbox is empty: nothing pending, failed or maybe delivered.")
    for row in rows:
        retry_at = f", next try {row.next_attempt_at:%Y-%m-%d %H:%M} UTC" \
            if row.status == "pending" and row.next_attempt_at else ""
        click.echo(f"#{row.id}\t{row.status}\t{row.recipient}\t{row.created_at:%Y-%m-%d %H:%M}"
                   f"\tattempts {row.attempts}{retry_at}\t{row.subject}"
                   + (f"\n\t{row.last_error}" if row.last_error else "")
                   + (f"\n\t{_claim(row)}" if row.status == "pending" and row.claimed_by else ""))


def _claim(row) -> str:
    """'claimed by web-1 pid 42 #1f2e3d4c until 04:12:00 UTC, sending since 04:11:58 UTC'."""
    from pipeline.store.schema import utcnow

    sending = f", sending since {row.sending_at:%H:%M:%S} UTC" if row.sending_at else ""
    expired = " (expired: the next relay takes it over)" if row.claimed_until < utcnow() else ""
    return (f"claimed by {row.claimed_by} until {row.claimed_until:%Y-%m-%d %H:%M:%S} UTC"
            f"{expired}{sending}")
