"""`pipeline feedback export`: subscribers' judgments from digest feedback links, as labels."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION, cli, open_config


@cli.group()
def feedback() -> None:
    """What subscribers said about postings ("more like this", "not for me")."""


@feedback.command("export")
@CONFIG_OPTION
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              default=Path("feedback-labels"), show_default=True,
              help="Folder to write labels.csv and postings/ into.")
def feedback_export(config_path: Path, output: Path) -> None:
    """Write the judgments as labels `pipeline eval --labels` and `pipeline tune` read.

    Example:

      pipeline feedback export -o feedback-labels

      pipeline eval --labels feedback-labels/labels.csv
    """
    from pipeline.match.feedback_labels import export_labels
    from pipeline.store import Store

    config = open_config(config_path)
    with Store(config.database_url()) as store:
        report = export_labels(store, output)
    click.echo(f"{report.labels} labelled postings from {report.judgments} judgments written to "
               f"{output}/labels.csv ({report.skipped} about location, pay or employer left out)")
