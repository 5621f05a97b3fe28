"""``pipeline unlock``: show who holds a lock, and release it for an operator.

Like every command, it only calls library functions; ``PipelineError`` becomes a message in
``pipeline.cli``.
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION, cli
from pipeline.config import load_config
from pipeline.store.leases import RUN_LOCK, Holder
from pipeline.store.schema import utcnow


@cli.command()
@CONFIG_OPTION
@click.argument("name", default=RUN_LOCK)
@click.option("--yes", "-y", is_flag=True, help="Release without asking.")
def unlock(config_path: Path, name: str, yes: bool) -> None:
    """Show who holds the lock NAME (default run) and release it.

    Locks: run, notify, dedupe, subscribers, fetch:SOURCE, fetch:board:TYPE, job:JOB ID,
    worker:HOST:PID (`pipeline status` lists those held).

    A lock frees itself once its holder has stopped renewing it for the lease time (90 s), so
    this is only needed to stop waiting for a holder you know is gone or stuck.

    \b
    Examples:
      pipeline unlock                       who holds the run lock; asks before releasing it
      pipeline unlock fetch:acme --yes      release the lock on fetching acme without asking
    """
    from pipeline.store import Store

    config = load_config(config_path)
    with Store(config.database_url()) as store:
        held = store.holder(name)
        if held is None:
            others = ", ".join(h.name for h in store.holders()) or "none"
            click.echo(f"No process holds the {name} lock (locks held: {others}).")
            return
        click.echo(_describe(held))
        if not yes:
            click.confirm(f"Release the {name} lock? A holder still working goes on without it",
                          abort=True)
        if not store.break_lease(name, held.owner):
            raise click.ClickException(f"the {name} lock changed hands meanwhile; nothing "
                                       "released (run `pipeline unlock` again to see its holder)")
    click.echo(f"Released the {name} lock.")


def _describe(held: Holder) -> str:
    """The holder, in lines an operator reads before releasing its lock."""
    now = utcnow()
    left = (held.expires_at - now).total_seconds()
    state = (f"expires in {left:.0f}s unless renewed" if left >= 0 else
             f"expired {-left:.0f}s ago: its holder stopped renewing it")
    return (f"The {held.name} lock is held by:\n"
            f"  owner           {held.owner}\n"
            f"  host            {held.host}\n"
            f"  pid             {held.pid}\n"
            f"  since           {held.acquired_at:%Y-%m-%d %H:%M:%S} UTC\n"
            f"  last heartbeat  {held.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC ({state})")
