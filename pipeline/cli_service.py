"""Commands for subscribers and the long-running service, registered on ``pipeline.cli``'s groups.

    pipeline subscribers show|pause|resume EMAIL
    pipeline preview --subscriber EMAIL [--out FILE]
    pipeline outbox [--retry [ID ...]]
    pipeline serve [--host H] [--port P]
    pipeline schedule

Like every command, these only call library functions; ``PipelineError`` becomes a message in
``pipeline.cli``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION, cli, open_config, subscribers


def _state(sub) -> str:
    return "unsubscribed" if sub.unsubscribed_at else ("paused" if sub.paused else "active")


@subscribers.command("show")
@CONFIG_OPTION
@click.argument("email")
def subscribers_show(config_path: Path, email: str) -> None:
    """Everything stored about one subscriber, and when the next digest is due."""
    from pipeline.notify.due import is_due, next_slot
    from pipeline.store import Store
    from pipeline.store.schema import utcnow

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        sub = store.get_subscriber(email)
        given = len(store.sent_posting_ids(sub.id))
    now = utcnow()
    when = "now" if is_due(sub, now) else (f"{next_slot(sub, now):%Y-%m-%d %H:%M %Z}"
                                            if sub.active else "never (not active)")
    threshold = sub.min_score if sub.min_score is not None else config.matching.min_score
    rows = [("e-mail", sub.email), ("name", sub.name or ""), ("state", _state(sub)),
            ("from", "jobs.yaml" if sub.from_config else "cli"),
            ("resume", f"{sub.resume or 'none'} ({len(sub.resume_text or '')} characters)"),
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


def _set_paused(config_path: Path, email: str, paused: bool) -> None:
    from pipeline.store import Store

    config = open_config(config_path)
    with Store(config.database_url()) as store:
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
    from pipeline.store import Store

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        subject, html = render_preview(config, store, Matcher.from_config(config), email)
    out = out or Path(f"preview-{email.strip().lower()}.html")
    out.write_text(html, encoding="utf-8")
    click.echo(f"{subject}\nWrote {out}.")


@cli.command()
@CONFIG_OPTION
@click.option("--retry", is_flag=True, help="Put failed digests back in the queue, make "
              "waiting ones due (the IDs given, else all), and send the queue now.")
@click.argument("ids", nargs=-1, type=int)
def outbox(config_path: Path, retry: bool, ids: tuple[int, ...]) -> None:
    """List pending and failed digests; with --retry, requeue them and send now."""
    from pipeline.notify import relay
    from pipeline.store import Store

    if ids and not retry:
        raise click.UsageError("IDs are only used with --retry")
    config = open_config(config_path)
    with Store(config.database_url()) as store:
        if retry:
            count = store.requeue(list(ids) if ids else None)
            report = relay(config, store)
            click.echo(f"Requeued {count}; sent {report.sent}, failed {report.failed}, "
                       f"pending {report.pending}.")
            for line in report.lines:
                click.echo(f"  {line}")
        rows = store.outbox_rows(("pending", "failed"))
    if not rows:
        click.echo("The outbox is empty: nothing pending or failed.")
    for row in rows:
        retry_at = f", next try {row.next_attempt_at:%Y-%m-%d %H:%M} UTC" \
            if row.status == "pending" and row.next_attempt_at else ""
        click.echo(f"#{row.id}\t{row.status}\t{row.recipient}\t{row.created_at:%Y-%m-%d %H:%M}"
                   f"\tattempts {row.attempts}{retry_at}\t{row.subject}"
                   + (f"\n\t{row.last_error}" if row.last_error else ""))


@cli.command()
@CONFIG_OPTION
@click.option("--host", help="Interface to listen on [default: web.host, 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: web.port, 8080].")
def serve(config_path: Path, host: str | None, port: int | None) -> None:
    """Serve the one-click unsubscribe and preferences pages (put HTTPS in front)."""
    from pipeline.web import serve as run_server

    config = open_config(config_path)
    run_server(config, host, port)


@cli.command()
@CONFIG_OPTION
def schedule(config_path: Path) -> None:
    """Run sources and digests on their schedules until SIGTERM / Ctrl-C."""
    from pipeline.schedule import run_scheduler

    open_config(config_path)
    root = logging.getLogger()
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)  # the service's log says what ran, when and what it did
    logging.getLogger("apscheduler").setLevel(logging.INFO)
    run_scheduler(str(config_path))
