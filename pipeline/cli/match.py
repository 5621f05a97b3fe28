"""The matching commands: ``rank``, ``eval`` and ``tune``.

Like every command, these only call library functions; ``PipelineError`` becomes a message in
``pipeline.cli``.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli import CONFIG_OPTION, cli, err_console, open_config

if TYPE_CHECKING:
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
@click.option("--csv", "as_csv", is_flag=True,
              help="CSV with a header: source, source_id, title, company, url, score, strength, "
                   "why, the matched skills and credentials, then the posting's fields.")
def rank(config_path: Path, resume: Path | None, subscriber: str | None, top: int,
         as_json: bool, as_csv: bool) -> None:
    """Rank the stored open postings against the role profile (and a resume), best first.

    \b
    Examples:
      pipeline rank --top 10                       the profile alone
      pipeline rank --resume me.pdf --top 5        against the profile and a resume
      pipeline rank --subscriber lee@example.org   a subscriber's resume, filters, feedback
      pipeline rank --json | jq -r '.title'        one JSON object per posting, best first
      pipeline rank --csv > ranking.csv            a spreadsheet of the ranking
    """
    from pipeline.api import rank_matches

    if resume and subscriber:
        raise click.UsageError("give --resume or --subscriber, not both")
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    config = open_config(config_path)
    matches = rank_matches(config, resume, subscriber=subscriber, top=top)
    if not matches and not _stored_postings(config):
        err_console.print("No open postings stored yet: run `pipeline fetch` first.")
    if as_json:
        for match in matches:
            click.echo(json.dumps(match_record(match), ensure_ascii=False))
    elif as_csv:
        _print_rank_csv(matches)
    else:
        _print_rank_table(matches)


def _stored_postings(config: JobsConfig) -> int:
    """How many open postings the database holds."""
    from pipeline.store import Store

    with Store(config.database_url()) as store:
        return store.count_postings(True)


def _print_rank_csv(matches) -> None:
    """The ranking as CSV on stdout, with a header row (also when nothing matched)."""
    from pipeline.api import csv_cell, match_rows, rank_columns

    writer = csv.DictWriter(sys.stdout, fieldnames=rank_columns(), lineterminator="\n")
    writer.writeheader()
    for row in match_rows(matches):
        writer.writerow({key: csv_cell(value) for key, value in row.items()})


def match_record(match) -> dict:
    """A match as the flat JSON object ``rank --json`` prints."""
    record = match.posting.model_dump(mode="json")
    head = {key: record.pop(key) for key in
            ("source", "source_id", "title", "company", "url")}
    return {**head, "score": round(match.score, 4), "strength": match.strength,
            "why": match.why.model_dump(mode="json"), **record}


def _print_rank_table(matches) -> None:
    from rich.console import Console
    from rich.table import Table

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
@click.option("--resumes", "resumes_dir",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Resumes to rank for, with real labels. Default: ../resumes/real from the "
                   "labels' folder (fixtures/resumes/real).")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an HTML report with score plots to this file.")
def eval_command(config_path: Path, labels: Path | None, credential_labels: Path | None,
                 postings_dir: Path | None, resumes_dir: Path | None, as_json: bool,
                 html_path: Path | None) -> None:
    """Ranking quality (NDCG@10, P@10, MAP) on labelled postings, beside TF-IDF and BM25;
    with --credential-labels, how well required and preferred credentials are read. Labels
    naming real postings (dataset,posting_id,...,grade) need --postings: the report is per
    dataset and per country, with NDCG@50 and a title-only TF-IDF baseline too.

    \b
    Examples:
      pipeline eval
      pipeline eval --labels fixtures/real/labels.csv --postings DIR --html report.html
      pipeline eval --credential-labels fixtures/real/credential_labels.csv --postings DIR
    """
    config = open_config(config_path)
    if credential_labels:
        if postings_dir is None:
            raise click.UsageError("--credential-labels needs --postings FOLDER")
        _eval_credentials(config, credential_labels, postings_dir, as_json)
        if labels is None:
            return
    from pipeline.match.real_eval import is_real_labels

    if labels is not None and is_real_labels(labels):
        if postings_dir is None:
            raise click.UsageError(f"{labels} names real postings: add --postings FOLDER")
        _eval_real(config, labels, postings_dir, resumes_dir, as_json, html_path)
        return
    _eval_ranking(config, labels, as_json, html_path)


def _eval_real(config: JobsConfig, labels: Path, postings_dir: Path, resumes_dir: Path | None,
               as_json: bool, html_path: Path | None) -> None:
    """Print the per-dataset and per-country metrics (or JSON); write the HTML if asked."""
    from pipeline.match import Matcher
    from pipeline.match.real_eval import evaluate_real, format_real_table
    from pipeline.match.real_report import write_real_html

    report = evaluate_real(Matcher.from_config(config), labels, postings_dir, resumes_dir)
    click.echo(json.dumps(report.as_json(), indent=2) if as_json else format_real_table(report))
    if html_path:
        command = (f"pipeline eval --labels {labels} --postings {postings_dir}"
                   + (f" --resumes {resumes_dir}" if resumes_dir else "")
                   + f" --html {html_path}")
        write_real_html(report, html_path, command)
        err_console.print(f"Wrote {html_path}")


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
@click.option("--metric", type=click.Choice(["map", "ndcg@10", "ndcg@50", "p@10", "ndcg"]),
              help="What the search maximises on the training folds. Default: map; ndcg@10 "
                   "with real labels.")
@click.option("--postings", "postings_dir",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of real postings datasets, for labels naming real postings: then "
                   "each dataset is held out in turn (leave-one-dataset-out).")
@click.option("--resumes", "resumes_dir",
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Resumes for real labels. Default: ../resumes/real from the labels' folder.")
def tune(config_path: Path, labels: Path | None, output: Path | None, folds: int, trials: int,
         seed: int, metric: str | None, postings_dir: Path | None,
         resumes_dir: Path | None) -> None:
    """Search the scoring weights by cross-validation; write them to models/.

    \b
    Examples:
      pipeline tune                      5-fold over the fixtures' labelled postings
      pipeline tune --labels fixtures/real/labels.csv --postings DIR
                                         leave-one-dataset-out over real postings
    """
    from pipeline.match import Matcher
    from pipeline.match.calibration import calibration_path_for
    from pipeline.match.evaluate import calibrate_config
    from pipeline.match.profile import load_profile
    from pipeline.match.real_eval import is_real_labels

    config = open_config(config_path)
    if labels is not None and is_real_labels(labels):
        if postings_dir is None:
            raise click.UsageError(f"{labels} names real postings: add --postings FOLDER")
        weights, written = _tune_real(config, labels, postings_dir, resumes_dir, output, trials,
                                      seed, metric or "ndcg@10")
        labels = None  # the shown strength is calibrated on the fixtures (matching.labels)
    else:
        weights, written = _tune_folds(config, labels, output, folds, trials, seed,
                                       metric or "map")
    click.echo(f"Wrote {written}")
    matcher = Matcher(load_profile(config.profile.path), weights)
    written = calibrate_config(config, labels, calibration_path_for(written), matcher=matcher)
    click.echo(f"Wrote {written}")


def _tune_folds(config: JobsConfig, labels: Path | None, output: Path | None, folds: int,
                trials: int, seed: int, metric: str):
    """k-fold tuning on the fixtures' labels; print the result; (weights, settings file)."""
    from pipeline.match.tuning.tune import format_result, tune_config

    if metric == "ndcg@50":
        raise click.UsageError("--metric ndcg@50 needs real labels (--postings); use map, "
                               "ndcg@10, p@10 or ndcg")
    result, written = tune_config(config, labels, output, folds=folds, trials=trials, seed=seed,
                                  metric=metric)
    click.echo(format_result(result))
    return result.weights, written


def _tune_real(config: JobsConfig, labels: Path, postings_dir: Path, resumes_dir: Path | None,
               output: Path | None, trials: int, seed: int, metric: str):
    """Leave-one-dataset-out tuning on real labels; print it; (weights, settings file)."""
    from pipeline.match import Matcher
    from pipeline.match.fit_grades import load_fit_rule
    from pipeline.match.profile import settings_path_for
    from pipeline.match.real_eval import METRICS, load_real
    from pipeline.match.real_eval import resumes_dir as resumes_of
    from pipeline.match.resume_kinds import controls, load_kinds
    from pipeline.match.tuning.tune_datasets import (
        fixture_judges,
        format_dataset_result,
        tune_datasets,
        write_dataset_settings,
    )

    if metric not in METRICS:
        raise click.UsageError(f"--metric {metric} is not reported per dataset; use one of "
                               + ", ".join(METRICS))
    graded, postings, resumes = load_real(labels, postings_dir, resumes_dir)
    matcher = Matcher.from_config(config)
    kinds = load_kinds(resumes_of(labels, resumes_dir))
    result = tune_datasets(matcher, postings, graded, resumes, trials=trials, seed=seed,
                           metric=metric, more=fixture_judges(config, matcher),
                           controls=controls(kinds), fit=load_fit_rule(labels.parent),
                           kinds=kinds)
    click.echo(format_dataset_result(result))
    target = output or config.matching.settings or settings_path_for(config.profile.path)
    return result.weights, write_dataset_settings(result, target)


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
