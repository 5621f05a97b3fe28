"""The matching commands: ``rank``, ``eval`` and ``tune``.

Like every command, these only call library functions; ``PipelineError`` becomes a message in
``pipeline.cli``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from pipeline.cli import CONFIG_OPTION, cli, err_console, open_config
from pipeline.config import JobsConfig


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
    """Rank the stored open postings against the role profile (and a resume), best first.

    \b
    Examples:
      pipeline rank --top 10                       the profile alone
      pipeline rank --resume me.pdf --top 5        against the profile and a resume
      pipeline rank --subscriber lee@example.org   a subscriber's resume, filters, feedback
      pipeline rank --json | jq -r '.title'        one JSON object per posting, best first
    """
    from pipeline.match import Matcher, read_resume
    from pipeline.match.feedback import Taste
    from pipeline.store import Store

    if resume and subscriber:
        raise click.UsageError("give --resume or --subscriber, not both")
    config = open_config(config_path)
    with Store(config.database_url()) as store:
        postings = store.open_postings()
        resume_text, filters, taste = None, None, Taste()
        if subscriber:
            from pipeline.notify.subscribers import sync_subscribers

            sync_subscribers(config, store)  # jobs.yaml subscribers exist before the first run
            found = store.get_subscriber(subscriber)
            resume_text, filters = found.resume_text, found.filters
            taste = Taste.of(store, found.id)  # their "more like this" / "not for me"
        elif resume:
            resume_text = read_resume(resume)
    if not postings:
        err_console.print("No open postings stored yet: run `pipeline fetch` first.")
    matches = taste.adjust(Matcher.from_config(config).rank(  # all of them when feedback
        postings, resume_text=taste.resume(resume_text), filters=filters,  # may reorder
        top=None if taste else top))[:top]
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
    return {**head, "score": round(match.score, 4), "strength": match.strength,
            "why": match.why.model_dump(mode="json"), **record}


def _print_rank_table(matches) -> None:
    table = Table(show_lines=False)
    for column in ("#", "score", "strength", "title", "company", "location", "why"):
        table.add_column(column, overflow="fold")
    for number, match in enumerate(matches, 1):
        posting = match.posting
        shown = "" if match.strength is None else f"{match.strength}%"
        table.add_row(str(number), f"{match.score:.2f}", shown, posting.title,
                      posting.company or "", posting.location or posting.remote.value,
                      match.why.summary())
    Console(width=160 if not sys.stdout.isatty() else None).print(table)


@cli.command("eval")
@CONFIG_OPTION
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Graded postings CSV (source_id,grade,note). Default: matching.labels.")
@click.option("--credential-labels", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Credential labels CSV (dataset,posting_id,credential,strength): report "
                   "precision and recall of required and preferred credentials.")
@click.option("--postings", "postings_dir",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of real postings datasets (.jsonl, .csv) the labels name.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an HTML report with score plots to this file.")
def eval_command(config_path: Path, labels: Path | None, credential_labels: Path | None,
                 postings_dir: Path | None, as_json: bool, html_path: Path | None) -> None:
    """Ranking quality (NDCG@10, P@10, MAP) on labelled postings, beside TF-IDF and BM25;
    with --credential-labels, how well required and preferred credentials are read.

    \b
    Examples:
      pipeline eval
      pipeline eval --credential-labels fixtures/real/credential_labels.csv --postings DIR
    """
    config = open_config(config_path)
    if credential_labels:
        if postings_dir is None:
            raise click.UsageError("--credential-labels needs --postings FOLDER")
        _eval_credentials(config, credential_labels, postings_dir, as_json)
        if labels is None:
            return
    _eval_ranking(config, labels, as_json, html_path)


def _eval_credentials(config: JobsConfig, labels: Path, postings_dir: Path, as_json: bool) -> None:
    """Print the credential precision/recall table (or JSON)."""
    from pipeline.match.credential_eval import evaluate_credentials, format_credentials
    from pipeline.match.profile import load_profile

    report = evaluate_credentials(labels, postings_dir,
                                  load_profile(config.profile.path).credentials)
    if as_json:
        click.echo(json.dumps({"credentials": report.as_json()}, indent=2))
    else:
        click.echo(format_credentials(report))


def _eval_ranking(config: JobsConfig, labels: Path | None, as_json: bool,
                  html_path: Path | None) -> None:
    """Print the ranking metrics (or JSON) and write the HTML report if asked."""
    from pipeline.match.evaluate import evaluate_config, format_table
    from pipeline.match.report import write_html

    report = evaluate_config(config, labels)
    judged = _feedback_report(config)
    if as_json:
        click.echo(json.dumps({**report.as_json(), "subscriber_feedback":
                               judged.as_json() if judged else None}, indent=2))
    else:
        click.echo(format_table(report))
        if judged:
            click.echo("\nOn subscribers' judgments (`pipeline feedback export`):\n"
                       + format_table(judged))
    if html_path:
        write_html(report, html_path)
        err_console.print(f"Wrote {html_path}")


def _feedback_report(config: JobsConfig):
    """The eval report on subscribers' feedback in the configured database, if it has any."""
    from pipeline.match.feedback_labels import evaluate_feedback
    from pipeline.store import Store

    url = config.database_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None  # no database yet: nothing judged, and none is created for it
    with Store(url) as store:
        return evaluate_feedback(config, store)


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
    from pipeline.match import Matcher
    from pipeline.match.calibration import calibration_path_for
    from pipeline.match.evaluate import calibrate_config
    from pipeline.match.profile import load_profile
    from pipeline.match.tune import format_result, tune_config

    config = open_config(config_path)
    result, written = tune_config(config, labels, output, folds=folds, trials=trials, seed=seed,
                                  metric=metric)
    click.echo(format_result(result))
    click.echo(f"Wrote {written}")
    matcher = Matcher(load_profile(config.profile.path), result.weights)
    written = calibrate_config(config, labels, calibration_path_for(written), matcher=matcher)
    click.echo(f"Wrote {written}")


@cli.command()
@CONFIG_OPTION
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Graded postings CSV. Default: matching.labels.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write. Default: beside matching.settings, else beside the profile "
                   "(<profile>.calibration.yaml).")
def calibrate(config_path: Path, labels: Path | None, output: Path | None) -> None:
    """Write the reference the shown match strength is measured against (the core labelled
    postings' scores under the current weights); `pipeline tune` does it too."""
    from pipeline.match.evaluate import calibrate_config

    click.echo(f"Wrote {calibrate_config(open_config(config_path), labels, output)}")
