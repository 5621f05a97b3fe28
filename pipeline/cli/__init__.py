"""The ``pipeline`` command: every subcommand, and the only place errors become messages.

Library code raises ``PipelineError`` subclasses; ``PipelineGroup`` turns each into a one-line
``Error: ...`` on stderr and the error's exit code (2 for bad config or input, 3 when another run
holds the lock, 1 otherwise).

The group is lazy: ``COMMANDS`` names the module of every command and its short help, so
``pipeline --help`` lists them without importing any, and a command's module (with the libraries
it needs) is imported only when that command runs.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline import __version__
from pipeline.errors import PipelineError, StoreError

if TYPE_CHECKING:
    from rich.console import Console

    from pipeline.config import JobsConfig

#: Every command: the module of ``pipeline.cli`` that defines it, and its short help (the first
#: sentence of its docstring; tests/cli/test_lazy.py checks they agree).
COMMANDS: dict[str, tuple[str, str]] = {
    "calibrate": ("match", "Write the reference the shown match strength is measured against "
                  "(the core labelled postings' scores under the current weights); "
                  "`pipeline tune` does it too."),
    "db": ("db", "The database schema: where it stands, and upgrading it."),
    "dkim": ("dkim", "Check the DKIM key (email.dkim) and print the DNS TXT record that "
             "publishes it."),
    "eval": ("match", "Ranking quality (NDCG@10, P@10, MAP) on labelled postings, beside TF-IDF "
             "and BM25; with --credential-labels, how well required and preferred credentials "
             "are read."),
    "feedback": ("feedback", "What subscribers said about postings (\"more like this\", \"not "
                 "for me\")."),
    "fetch": ("stages", "Fetch sources and store their postings, without ranking or sending."),
    "init": ("stages", "Write a commented starter jobs.yaml (and an empty postings folder "
             "beside it)."),
    "notify": ("stages", "Queue the digests that are due and send everything pending in the "
               "outbox."),
    "outbox": ("subscribers", "List pending, failed and maybe-delivered digests; --retry "
               "requeues them and sends now."),
    "preview": ("subscribers", "Write a subscriber's next digest to an .html file; nothing is "
                "sent or recorded."),
    "rank": ("match", "Rank the stored open postings against the role profile (and a resume), "
             "best first."),
    "report": ("report", "Skills and credentials in demand, the gaps that would open most "
               "postings, pay and places, over the last 30 and 90 days."),
    "run": ("stages", "Run everything once: fetch all sources, then queue and send due digests."),
    "schedule": ("service", "Run sources and digests on their schedules until SIGTERM / Ctrl-C."),
    "serve": ("service", "Serve the one-click unsubscribe and preferences pages (put HTTPS in "
              "front)."),
    "sources": ("sources", "Show the last runs of every source: status, postings seen / new / "
                "closed, errors."),
    "status": ("status", "Show the database's schema revision, the workers holding leases, and "
               "their heartbeats."),
    "subscribers": ("subscribers", "Add, list, show, pause, resume and remove the people who "
                    "receive digests."),
    "tune": ("match", "Search the scoring weights by cross-validation; write them to "
             "models/."),
    "unlock": ("locks", "Show who holds the lock NAME (default run) and release it."),
}

#: The config every command reads when none is given (the value of ``pipeline.config``'s
#: DEFAULT_CONFIG, repeated here so that parsing options does not import the config layer).
DEFAULT_CONFIG = Path("jobs.yaml")


@cache
def _err_console() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def __getattr__(name: str):
    """``err_console``, the rich console on stderr, made on first use (rich loads lazily)."""
    if name == "err_console":
        return _err_console()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


def _database_errors() -> tuple[type[BaseException], ...]:
    """SQLAlchemy's OperationalError once SQLAlchemy is loaded (before that none can occur)."""
    loaded = sys.modules.get("sqlalchemy.exc")
    return (loaded.OperationalError,) if loaded else ()


class PipelineGroup(click.Group):
    """A click group that loads each command's module on first use and turns library errors
    into messages and exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, known from ``COMMANDS`` without importing the modules."""
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing the module that defines it the first time."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"{__name__}.{COMMANDS[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Commands:" section of --help, from ``COMMANDS`` for the modules not loaded."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._short_help(name, limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _short_help(self, name: str, limit: int) -> str:
        command = self.commands.get(name) or click.Command(name, help=COMMANDS[name][1])
        return command.get_short_help_str(limit)

    def invoke(self, ctx: click.Context):
        """Run the command; library errors, database errors and Ctrl-C become one line."""
        try:
            return super().invoke(ctx)
        except PipelineError as exc:
            raise CommandError(exc) from exc
        except _database_errors() as exc:  # e.g. a read-only or locked database file mid-command
            raise CommandError(StoreError(f"database error: {exc.orig}; check that the "
                                          "database file and its folder are writable")) from exc
        except KeyboardInterrupt:
            _err_console().print("Interrupted; the next run carries on from what was stored.",
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
    from pipeline.config import load_config
    from pipeline.config.checks import check_ready

    config = load_config(path)
    check_ready(config)
    return config


def _may_be_terminal() -> bool:
    """False when rich would surely find stderr is no terminal: not a tty, and neither
    FORCE_COLOR nor TTY_COMPATIBLE set (then a command run by cron, the scheduler or a script,
    output redirected, never loads rich)."""
    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return True
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):  # no stream, or a closed one: rich says no terminal
        return False


@contextmanager
def progress_bar(label: str, total: int):
    """A progress callback: a rich bar on a terminal, nothing when output is redirected."""
    if total == 0 or not _may_be_terminal() or not (console := _err_console()).is_terminal:
        yield lambda _name: None
        return
    from rich.progress import BarColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total} {task.fields[item]}"))
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=total, item="")
        yield lambda name: bar.update(task, advance=1, item=name)


def main() -> None:
    """Entry point of the ``pipeline`` console script."""
    cli(prog_name="pipeline")
