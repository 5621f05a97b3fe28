"""The run commands: ``run``, ``fetch``, ``sources``, ``notify`` and ``init``.

``run``, ``fetch`` and ``notify`` call the composer of the stages (``pipeline.run``), as the
scheduler's jobs do; ``PipelineError`` becomes a message in ``pipeline.cli``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from pipeline.cli import (
    CONFIG_OPTION,
    cli,
    open_config,
    progress_bar,
    resolve_config_path,
)
from pipeline.errors import ConfigError

#: New objects between two garbage collections during ``run``, ``fetch`` and ``notify``.
GC_THRESHOLD = 200_000


@cli.command()
@CONFIG_OPTION
@click.option("--dry-run", is_flag=True,
              help="Fetch and rank, but queue and send no digest.")
@click.option("--strict", is_flag=True,
              help="Exit 4 when any source failed (for monitoring), instead of 0.")
def run(config_path: Path, dry_run: bool, strict: bool) -> None:
    """Run everything once: fetch all sources, then queue and send due digests.

    \b
    Examples:
      pipeline run                          the main job, on ./jobs.yaml
      pipeline run --config /etc/jobs.yaml --strict
      pipeline run --dry-run                fetch and rank; queue and send nothing

    \b
    Exit status:
      0  every stage ran, even if some sources failed (they are listed in the summary)
      1  the run could not do its job (e.g. every source failed)
      2  bad jobs.yaml or input files
      3  another run holds the lock
      4  with --strict: the run finished but some sources failed
      130  interrupted (Ctrl-C); what was stored so far is kept
    """
    with _importing():
        from pipeline.run import check_secrets, run_once

    config = open_config(config_path)
    check_secrets(config, smtp=not dry_run)
    report = run_once(config, dry_run=dry_run, progress=progress_bar)
    _print_run_summary(report, dry_run)
    failed = report.fetch.failed
    if failed and len(failed) == len(report.fetch.runs):
        raise click.ClickException("every source failed; nothing new was fetched")
    if failed and strict:
        names = ", ".join(run.source for run in failed)
        raise click.exceptions.Exit(_fail_with(f"sources failed: {names}", 4))


@contextmanager
def _importing() -> Iterator[None]:
    """Garbage collection made cheap for the rest of the command, and as usual after it.

    Importing the command's libraries makes about a million objects and next to no garbage,
    yet set off some 150 collections, whose walks of the older generations were ~5% of the
    CPU time of a +1% run at 10,000 postings: none runs while the block imports. A run then
    makes hundreds of thousands of objects (postings, rows, scores) that live until it ends,
    and every full collection they set off walks them all again, and the objects of the
    imported libraries: at 100,000 postings a quarter of the fetch stage's CPU time. What is
    imported by the end of the block is left out of collection (``gc.freeze``), and a
    collection comes every ``GC_THRESHOLD`` new objects instead of every 700: as fast as no
    collection at all in a +1% run at 100,000 postings, with the same peak memory. Closing
    the command puts collection back as it was (off, if a caller had turned it off).
    """
    enabled, before = gc.isenabled(), gc.get_threshold()

    def restore() -> None:
        gc.set_threshold(*before)
        gc.unfreeze()
        if enabled:
            gc.enable()

    click.get_current_context().call_on_close(restore)
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, *before[1:])
        if enabled:
            gc.enable()


def _fail_with(message: str, code: int) -> int:
    """Print an error line and return the exit code to use."""
    from pipeline.cli import err_console  # rich, loaded only to print this

    err_console.print(f"Error: {message}", markup=False, highlight=False)
    return code


def _print_run_summary(report, dry_run: bool) -> None:
    fetched, notified = report.fetch, report.notify
    skipped = f", {len(fetched.skipped)} skipped" if fetched.skipped else ""
    click.echo(f"Sources: {len(fetched.runs)} fetched, {len(fetched.failed)} failed{skipped}; "
               f"postings: {fetched.seen} seen, {fetched.new} new, {fetched.closed} closed, "
               f"{report.open_postings} open.")
    for run in fetched.failed:
        click.echo(f"  FAILED {run.source}: {run.error}")
    for run in fetched.suspicious:
        click.echo(f"  SUSPICIOUS {run.source}: {run.error}")
    for run in fetched.runs:
        if run.error and run.status != "failed" and not run.suspicious:
            click.echo(f"  PARTIAL {run.source}: {run.error}")
    for run in fetched.skipped:
        click.echo(f"  {run.source}: skipped: {run.error}")
    if fetched.unconfigured:
        click.echo(f"  closed {fetched.unconfigured} postings of sources no longer configured")
    verb = "would be queued" if dry_run else "queued"
    click.echo(f"Subscribers: {notified.subscribers}; digests {verb}: {notified.queued}, "
               f"sent: {notified.sent}, pending: {notified.pending}, failed: {notified.failed}.")
    for line in notified.lines:
        click.echo(f"  {line}")


@cli.command()
@CONFIG_OPTION
@click.option("--source", "only", metavar="NAME", help="Fetch only the source with this name.")
def fetch(config_path: Path, only: str | None) -> None:
    """Fetch sources and store their postings, without ranking or sending.

    \b
    Examples:
      pipeline fetch                        every enabled source
      pipeline fetch --source fixtures      only the source named 'fixtures' in jobs.yaml

    It holds the run lock like `pipeline run`: exit 3 while a run, a fetch or a scheduled job
    holds it.
    """
    with _importing():
        from pipeline.run import check_secrets, fetch_once

    config = open_config(config_path)
    check_secrets(config, smtp=False)
    report = fetch_once(config, only=only, progress=progress_bar)
    for run in report.runs:
        detail = f"  {run.error}" if run.error else ""
        click.echo(f"{run.source}: {run.status}, {run.seen} seen, {run.new} new, "
                   f"{run.closed} closed ({run.duration:.1f}s){detail}")
    for run in report.skipped:
        click.echo(f"{run.source}: skipped: {run.error}")
    if report.unconfigured:
        click.echo(f"closed {report.unconfigured} postings of sources no longer configured")
    if report.failed and len(report.failed) == len(report.runs):
        raise click.ClickException("every source failed")


@cli.command()
@CONFIG_OPTION
@click.option("--dry-run", is_flag=True, help="Show what is due; queue and send nothing.")
def notify(config_path: Path, dry_run: bool) -> None:
    """Queue the digests that are due and send everything pending in the outbox.

    \b
    Examples:
      pipeline notify --dry-run             who would get a digest now, and with what
      pipeline notify                       queue and send them
    """
    with _importing():
        from pipeline.run import check_secrets, notify_once

    config = open_config(config_path)
    check_secrets(config, sources=False, smtp=not dry_run)
    report = notify_once(config, dry_run=dry_run)
    click.echo(f"Subscribers: {report.subscribers}; digests queued: {report.queued}, "
               f"sent: {report.sent}, pending: {report.pending}, failed: {report.failed}.")
    for line in report.lines:
        click.echo(f"  {line}")


STARTER_CONFIG = """\
# Care Manager job alerts: the operator's config. Every key: README.md, "jobs.yaml reference".
database:
  url: sqlite:///data/jobs.db
profile:
  path: {profile}                  # a shipped profile's name, or your own .yaml file
http:
  contact: you@example.org            # who boards should contact about this crawler
sources:
  - name: my-postings                 # postings in this project's model, no network needed
    type: files
    path: postings
  # - name: example-greenhouse
  #   type: greenhouse
  #   board: examplehealth
  # - name: example-feed
  #   type: rss
  #   feed: https://example.org/jobs.rss
  #   full_listing: false             # true only when the feed lists every open job
postings:
  stale_after_days: 30                # close a posting its source has not shown for this long
schedule:
  timezone: UTC                       # `pipeline schedule` reads cron: schedules in this zone
  # unsubscribe_mail: /home/alerts/Maildir  # the mailbox email.unsubscribe_mailto goes to
subscribers:
  - email: you@example.org
    name: Your Name
    # resume: resume.pdf
email:
  transport: file                     # write .eml files into outbox_dir; `smtp` to send
  outbox_dir: out/emails
  # with smtp, your own (example.org is refused): the public HTTPS address of `pipeline serve`
  # unsubscribe_url: https://alerts.example.org
  # unsubscribe_mailto: unsubscribe@example.org  # a mailbox for unsubscribe mail, or null
  # dkim:                             # sign every digest; publish the public key in DNS first
  #   domain: example.org             # the domain of email.from, or a parent of it
  #   selector: alerts2026            # the TXT record alerts2026._domainkey.example.org
  #   private_key_file: dkim.pem      # PEM RSA key, beside jobs.yaml; or private_key: ${{DKIM_KEY}}
"""


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False,
                callback=resolve_config_path)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option("--preset", metavar="NAME", help="Watch the catalogue's employers: national, "
              "or a state with enough employers (oh, ny...).")
@click.option("--state", metavar="XX", help="With --preset: only employers hiring in this "
              "state, or nationwide.")
def init(path: Path, force: bool, preset: str | None, state: str | None) -> None:
    """Write a commented starter jobs.yaml (and an empty postings folder beside it).

    PATH defaults to the config file given to `pipeline` before the command, else
    ./jobs.yaml. With --preset, its sources are the catalogue's employers.
    """
    from pipeline.cli.sources import preset_config
    from pipeline.config import DEFAULT_PROFILE

    if state and not preset:
        raise click.UsageError("--state narrows a preset; give --preset too (e.g. national)")
    text = STARTER_CONFIG.format(profile=DEFAULT_PROFILE)
    if preset:
        text = preset_config(text, preset, state)
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; nothing was written. Pass a new path "
                          "(pipeline init NEW-FILE), or --force to overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        (path.parent / "postings").mkdir(exist_ok=True)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror} "
                                   f"({exc.filename})") from exc
    click.echo(f"Wrote {path}. Edit it, then run `pipeline run --config {path}`.")
