"""The ``pipeline`` command: every subcommand, and the only place errors become messages.

Library code raises ``PipelineError`` subclasses; ``PipelineGroup`` turns each into a one-line
``Error: ...`` on stderr and the error's exit code (2 for bad config or input, 3 when another run
holds the lock, 1 otherwise).
"""

from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from pipeline import __version__
from pipeline.config import DEFAULT_CONFIG, JobsConfig, load_config
from pipeline.errors import PipelineError

err_console = Console(stderr=True)

CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG, show_default=True, help="The jobs.yaml to use.")


class CommandError(click.ClickException):
    """A library error shown as one line, with the error's own exit code."""

    def __init__(self, error: PipelineError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


class PipelineGroup(click.Group):
    """A click group that turns library errors into messages and exit codes."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PipelineError as exc:
            raise CommandError(exc) from exc


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipeline")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Care Manager job alerts: fetch job postings, rank them for Care Managers, e-mail digests.

    \b
    Typical use:
      pipeline run                 fetch every source, then send the digests that are due
      pipeline rank --top 20       see how stored postings rank, with the reasons
      pipeline subscribers list    who receives digests
    Every command reads ./jobs.yaml unless --config says otherwise.
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def open_config(path: Path) -> JobsConfig:
    """Load the config (ConfigError on any problem, turned into exit 2 by the group)."""
    return load_config(path)


@contextmanager
def progress_bar(label: str, total: int):
    """A progress callback: a rich bar on a terminal, nothing when output is redirected."""
    if not err_console.is_terminal or total == 0:
        yield lambda _name: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total} {task.fields[item]}"))
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=total, item="")
        yield lambda name: bar.update(task, advance=1, item=name)


@cli.command()
@CONFIG_OPTION
@click.option("--dry-run", is_flag=True,
              help="Fetch and rank, but queue and send no digest.")
@click.option("--strict", is_flag=True,
              help="Exit 4 when any source failed (for monitoring), instead of 0.")
def run(config_path: Path, dry_run: bool, strict: bool) -> None:
    """Run everything once: fetch all sources, then queue and send due digests.

    \b
    Exit status:
      0  every stage ran, even if some sources failed (they are listed in the summary)
      1  the run could not do its job (e.g. every source failed)
      2  bad jobs.yaml or input files
      3  another run holds the lock
      4  with --strict: the run finished but some sources failed
    """
    config = open_config(config_path)
    from pipeline.run import run_once

    with progress_bar("Fetching", len(config.sources)) as progress:
        report = run_once(config, dry_run=dry_run, progress=progress)
    _print_run_summary(report, dry_run)
    failed = report.fetch.failed
    if failed and len(failed) == len(report.fetch.runs):
        raise click.ClickException("every source failed; nothing new was fetched")
    if failed and strict:
        names = ", ".join(run.source for run in failed)
        raise click.exceptions.Exit(_fail_with(f"sources failed: {names}", 4))


def _fail_with(message: str, code: int) -> int:
    """Print an error line and return the exit code to use."""
    err_console.print(f"Error: {message}", markup=False, highlight=False)
    return code


def _print_run_summary(report, dry_run: bool) -> None:
    fetched, notified = report.fetch, report.notify
    click.echo(f"Sources: {len(fetched.runs)} fetched, {len(fetched.failed)} failed; "
               f"postings: {fetched.seen} seen, {fetched.new} new, {fetched.closed} closed, "
               f"{report.open_postings} open.")
    for run in fetched.failed:
        click.echo(f"  FAILED {run.source}: {run.error}")
    for run in fetched.suspicious:
        click.echo(f"  SUSPICIOUS {run.source}: {run.error}")
    verb = "would be queued" if dry_run else "queued"
    click.echo(f"Subscribers: {notified.subscribers}; digests {verb}: {notified.queued}, "
               f"sent: {notified.sent}, pending: {notified.pending}, failed: {notified.failed}.")
    for line in notified.lines:
        click.echo(f"  {line}")


@cli.command()
@CONFIG_OPTION
@click.option("--source", "only", metavar="NAME", help="Fetch only the source with this name.")
def fetch(config_path: Path, only: str | None) -> None:
    """Fetch sources and store their postings, without ranking or sending."""
    from pipeline.fetch import fetch_sources
    from pipeline.http import HttpClient
    from pipeline.store import Store

    config = open_config(config_path)
    with Store(config.database_url()) as store, HttpClient(config.http) as http:
        with progress_bar("Fetching", 1 if only else len(config.sources)) as progress:
            report = fetch_sources(config, store, http, only=only, progress=progress)
    for run in report.runs:
        detail = f"  {run.error}" if run.error else ""
        click.echo(f"{run.source}: {run.status}, {run.seen} seen, {run.new} new, "
                   f"{run.closed} closed ({run.duration:.1f}s){detail}")
    if report.failed and len(report.failed) == len(report.runs):
        raise click.ClickException("every source failed")


@cli.command()
@CONFIG_OPTION
@click.option("--limit", type=click.IntRange(min=1), default=3, show_default=True,
              help="Runs shown per source, newest first.")
def sources(config_path: Path, limit: int) -> None:
    """Show the last runs of every source: status, postings seen / new / closed, errors."""
    from pipeline.store import Store

    config = open_config(config_path)
    table = Table("source", "type", "when (UTC)", "status", "seen", "new", "closed", "time")
    table.add_column("error", overflow="fold")
    for column in table.columns[:-1]:
        column.no_wrap = True
    with Store(config.database_url()) as store:
        for source in config.sources:
            runs = store.source_runs(source.name, limit=limit)
            kind = source.type + ("" if source.enabled else " (disabled)")
            if not runs:
                table.add_row(source.name, kind, "never fetched", "", "", "", "", "", "")
            for index, run in enumerate(runs):
                status = {"ok": "[green]ok", "failed": "[red]failed"}.get(run.status, run.status)
                if run.suspicious:
                    status = "[yellow]suspicious"
                table.add_row(source.name if index == 0 else "", kind if index == 0 else "",
                              f"{run.started_at:%Y-%m-%d %H:%M}", status, str(run.seen),
                              str(run.new), str(run.closed), f"{run.duration:.1f}s",
                              run.error or "")
    Console(width=None if sys.stdout.isatty() else 200).print(table)


@cli.command()
@CONFIG_OPTION
@click.option("--resume", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Rank against this resume (PDF, DOCX, text or Markdown).")
@click.option("--subscriber", metavar="EMAIL",
              help="Rank for this subscriber: their resume and filters.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many postings to show.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per line: posting fields, score and why.")
def rank(config_path: Path, resume: Path | None, subscriber: str | None, top: int,
         as_json: bool) -> None:
    """Rank the stored open postings against the role profile (and a resume), best first."""
    from pipeline.match import Matcher, read_resume
    from pipeline.store import Store

    if resume and subscriber:
        raise click.UsageError("give --resume or --subscriber, not both")
    config = open_config(config_path)
    with Store(config.database_url()) as store:
        postings = store.open_postings()
        resume_text, filters = None, None
        if subscriber:
            from pipeline.subscribers import sync_subscribers

            sync_subscribers(config, store)  # jobs.yaml subscribers exist before the first run
            found = store.get_subscriber(subscriber)
            resume_text, filters = found.resume_text, found.filters
        elif resume:
            resume_text = read_resume(resume)
    if not postings:
        err_console.print("No open postings stored yet: run `pipeline fetch` first.")
    matches = Matcher.from_config(config).rank(postings, resume_text=resume_text,
                                               filters=filters, top=top)
    if as_json:
        for match in matches:
            click.echo(json.dumps(match_record(match), ensure_ascii=False))
    else:
        _print_rank_table(matches)


def match_record(match) -> dict:
    """A match as the flat JSON object ``rank --json`` prints."""
    record = match.posting.model_dump(mode="json")
    head = {key: record.pop(key) for key in
            ("source", "source_id", "title", "company", "url")}
    return {**head, "score": round(match.score, 4), "why": match.why.model_dump(mode="json"),
            **record}


def _print_rank_table(matches) -> None:
    table = Table(show_lines=False)
    for column in ("#", "score", "title", "company", "location", "why"):
        table.add_column(column, overflow="fold")
    for number, match in enumerate(matches, 1):
        posting = match.posting
        table.add_row(str(number), f"{match.score:.2f}", posting.title, posting.company or "",
                      posting.location or posting.remote.value, match.why.summary())
    Console(width=160 if not sys.stdout.isatty() else None).print(table)


@cli.command("eval")
@CONFIG_OPTION
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Graded postings CSV (source_id,grade,note). Default: matching.labels.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an HTML report with score plots to this file.")
def eval_command(config_path: Path, labels: Path | None, as_json: bool,
                 html_path: Path | None) -> None:
    """Ranking quality (NDCG@10, P@10, MAP) on labelled postings, beside TF-IDF and BM25."""
    from pipeline.match.evaluate import evaluate_config, format_table
    from pipeline.match.report import write_html

    report = evaluate_config(open_config(config_path), labels)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        click.echo(format_table(report))
    if html_path:
        write_html(report, html_path)
        err_console.print(f"Wrote {html_path}")


@cli.command()
@CONFIG_OPTION
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Graded postings CSV. Default: matching.labels.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Settings file to write. Default: matching.settings, else "
                   "<profile>.settings.yaml beside the profile.")
@click.option("--folds", type=click.IntRange(min=2), default=5, show_default=True)
@click.option("--trials", type=click.IntRange(min=1), default=200, show_default=True,
              help="Weight sets tried (random search, seeded).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--metric", type=click.Choice(["map", "ndcg@10", "ndcg"]), default="map",
              show_default=True, help="What the search maximises on the training folds.")
def tune(config_path: Path, labels: Path | None, output: Path | None, folds: int, trials: int,
         seed: int, metric: str) -> None:
    """Search the scoring weights by k-fold cross-validation; write them to models/."""
    from pipeline.match.tune import format_result, tune_config

    result, written = tune_config(open_config(config_path), labels, output, folds=folds,
                                  trials=trials, seed=seed, metric=metric)
    click.echo(format_result(result))
    click.echo(f"Wrote {written}")


@cli.command()
@CONFIG_OPTION
@click.option("--dry-run", is_flag=True, help="Show what is due; queue and send nothing.")
def notify(config_path: Path, dry_run: bool) -> None:
    """Queue the digests that are due and send everything pending in the outbox."""
    from pipeline.match import Matcher
    from pipeline.notify import notify as notify_all
    from pipeline.store import Store
    from pipeline.subscribers import sync_subscribers

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        sync_subscribers(config, store)
        report = notify_all(config, store, Matcher.from_config(config), dry_run=dry_run)
    click.echo(f"Subscribers: {report.subscribers}; digests queued: {report.queued}, "
               f"sent: {report.sent}, pending: {report.pending}, failed: {report.failed}.")
    for line in report.lines:
        click.echo(f"  {line}")


@cli.group()
def subscribers() -> None:
    """Add, list and remove the people who receive digests."""


@subscribers.command("list")
@CONFIG_OPTION
def subscribers_list(config_path: Path) -> None:
    """List subscribers with their frequency and state."""
    from pipeline.store import Store
    from pipeline.subscribers import sync_subscribers

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        sync_subscribers(config, store)
        found = store.list_subscribers()
    if not found:
        click.echo("No subscribers. Add one with `pipeline subscribers add EMAIL`.")
    for sub in found:
        state = "unsubscribed" if sub.unsubscribed_at else ("paused" if sub.paused else "active")
        origin = "jobs.yaml" if sub.from_config else "cli"
        resume = sub.resume.name if sub.resume else "no resume"
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
    from pipeline.store import Store
    from pipeline.subscribers import add_subscriber, subscriber_config

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
def subscribers_remove(config_path: Path, email: str) -> None:
    """Remove a subscriber and everything stored about them, resume text included."""
    from pipeline.store import Store
    from pipeline.subscribers import remove_subscriber

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        remove_subscriber(config, store, email)
    click.echo(f"Removed {email} and their data.")


STARTER_CONFIG = """\
# Care Manager job alerts: the operator's config. Every key: README.md, "jobs.yaml reference".
database:
  url: sqlite:///data/jobs.db
profile:
  path: {profile}
http:
  contact: you@example.org            # who boards should contact about this crawler
sources:
  - name: my-postings                 # postings in this project's model, no network needed
    type: files
    path: postings
  # - name: example-greenhouse
  #   type: greenhouse
  #   board: examplehealth
subscribers:
  - email: you@example.org
    name: Your Name
    # resume: resume.pdf
email:
  transport: file                     # write .eml files into outbox_dir; `smtp` to send
  outbox_dir: out/emails
"""


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CONFIG)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter jobs.yaml (and an empty postings folder beside it)."""
    if path.exists() and not force:
        raise click.ClickException(f"{path} already exists; use --force to overwrite it")
    profile = Path(__file__).resolve().parents[1] / "models" / "care_manager.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(STARTER_CONFIG.format(profile=profile), encoding="utf-8")
    (path.parent / "postings").mkdir(exist_ok=True)
    click.echo(f"Wrote {path}. Edit it, then run `pipeline run --config {path}`.")


# Registers subscribers show/pause/resume, preview, outbox, serve and schedule on the groups above.
from pipeline import cli_service  # noqa: E402, F401


def main() -> None:
    """Entry point of the ``pipeline`` console script."""
    cli(prog_name="pipeline")
