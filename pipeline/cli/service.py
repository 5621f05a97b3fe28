"""The long-running service: ``pipeline serve`` (unsubscribe and preferences pages) and
``pipeline schedule`` (every source and digest on its own schedule).

Like every command, these only call library functions; ``PipelineError`` becomes a message in
``pipeline.cli``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION, cli, open_config


@cli.command()
@CONFIG_OPTION
@click.option("--host", help="Interface to listen on [default: web.host, 127.0.0.1].")
@click.option("--port", type=click.IntRange(1, 65535), help="Port [default: web.port, 8080].")
def serve(config_path: Path, host: str | None, port: int | None) -> None:
    """Serve the one-click unsubscribe and preferences pages (put HTTPS in front)."""
    from pipeline.service.web import serve as run_server

    config = open_config(config_path)
    run_server(config, host, port)


@cli.command()
@CONFIG_OPTION
def schedule(config_path: Path) -> None:
    """Run sources and digests on their schedules until SIGTERM / Ctrl-C."""
    from pipeline.service.signals import ServiceSignals

    signals = ServiceSignals().catch()  # first: a SIGHUP while starting must not kill it
    root = logging.getLogger()
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)  # the service's log says what ran, when and what it did
    logging.getLogger("apscheduler").setLevel(logging.INFO)
    try:
        from pipeline.run import check_secrets
        from pipeline.service.scheduler import run_scheduler

        # It sends digests: SMTP login and DKIM key now, not at the first digest job.
        check_secrets(open_config(config_path), sources=False)
        run_scheduler(str(config_path), signals)
    finally:
        signals.restore()
