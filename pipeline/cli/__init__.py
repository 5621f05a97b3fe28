"""The ``pipeline`` command: every subcommand, and the only place errors become messages.

Library code raises ``PipelineError`` subclasses; ``PipelineGroup`` turns each into a one-line
``Error: ...`` on stderr and the error's exit code (2 for bad config or input, 3 when another run
holds the lock, 1 otherwise).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from sqlalchemy.exc import OperationalError

from pipeline import __version__
from pipeline.config import DEFAULT_CONFIG, JobsConfig, load_config
from pipeline.config.checks import check_ready
from pipeline.errors import PipelineError, StoreError

err_console = Console(stderr=True)

def resolve_config_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    """A command's --config, else the one given before the command, else ./jobs.yaml; both
    given and different is a usage error (exit 2)."""
    before = ctx.find_root().params.get("config_path")
    if value is not None and before is not None and value != before:
        raise click.BadParameter(f"given twice, {before} before the command and {value} after "
                                 "it; give it once", ctx=ctx, param=param)
    return value or before or DEFAULT_CONFIG


CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    callback=resolve_config_path, show_default=str(DEFAULT_CONFIG),
    help="The jobs.yaml to use (may also come before the command: pipeline --config FILE run).")


class CommandError(click.ClickException):
    """A library error shown as one line, with the error's own exit code."""

    def __init__(self, error: PipelineError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


class PipelineGroup(click.Group):
    """A click group that turns library errors into messages and exit codes."""

    def invoke(self, ctx: click.Context):
        """Run the command; library errors, database errors and Ctrl-C become one line."""
        try:
            return super().invoke(ctx)
        except PipelineError as exc:
            raise CommandError(exc) from exc
        except OperationalError as exc:  # e.g. a read-only or locked database file mid-command
            raise CommandError(StoreError(f"database error: {exc.orig}; check that the "
                                          "database file and its folder are writable")) from exc
        except KeyboardInterrupt:
            err_console.print("Interrupted; the next run carries on from what was stored.",
                              markup=False, highlight=False)
            raise click.exceptions.Exit(130) from None


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pipeline")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              help="The jobs.yaml every command uses [default: jobs.yaml].")
def cli(verbose: int, config_path: Path | None) -> None:
    """Care Manager job alerts: fetch job postings, rank them for Care Managers, e-mail digests.

    \b
    Typical use:
      pipeline run                 fetch every source, then send the digests that are due
      pipeline rank --top 20       see how stored postings rank, with the reasons
      pipeline subscribers list    who receives digests
    Every command reads ./jobs.yaml unless --config says otherwise, before or after
    the command's name.
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def open_config(path: Path) -> JobsConfig:
    """Load the config and check the files and schedules it names (ConfigError on any problem,
    turned into exit 2 by the group), before the command does any work."""
    config = load_config(path)
    check_ready(config)
    return config


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


# Each module below adds its commands to ``cli``: importing them is registering them.
from pipeline.cli import (  # noqa: E402, F401
    dkim,
    feedback,
    locks,
    match,
    service,
    sources,
    stages,
    subscribers,
)


def main() -> None:
    """Entry point of the ``pipeline`` console script."""
    cli(prog_name="pipeline")
