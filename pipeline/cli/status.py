"""``pipeline status``: the database's schema, and the workers holding leases in it.

Every process that holds a lock (a run, a relay, a scheduler, on any machine sharing the database)
renews its lease; this shows them, their heartbeats, and the leases whose holder stopped.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION, cli
from pipeline.config import load_config
from pipeline.store.leases import Holder
from pipeline.store.schema import utcnow


@cli.command()
@CONFIG_OPTION
def status(config_path: Path) -> None:
    """Show the database's schema revision, the workers holding leases, and their heartbeats.

    \b
    Example:
      pipeline status
    """
    from pipeline.store import Store, schema_status, shown_url

    url = load_config(config_path).database_url()
    state = schema_status(url)
    where = "up to date" if state.up_to_date else "run `pipeline db upgrade`"
    click.echo(f"Database  {shown_url(url)} (revision {state.current or 'none'}, {where})")
    if not state.up_to_date:
        return
    with Store(url) as store:
        held = store.holders()
    for line in describe_leases(held, utcnow()):
        click.echo(line)


def describe_leases(held: list[Holder], now: datetime) -> list[str]:
    """Lines for the workers (host and pid of a live lease) and for every lease, by name."""
    live = sorted({(h.host, h.pid) for h in held if not h.expired(now)})
    workers = ", ".join(f"{host} (pid {pid})" for host, pid in live) or "none"
    lines = [f"Workers   {len(live)}: {workers}", f"Leases    {len(held) or 'none held'}"]
    width = max((len(h.name) for h in held), default=0)
    for h in held:
        beat = (now - h.heartbeat_at).total_seconds()
        left = (h.expires_at - now).total_seconds()
        state = (f"expires in {left:.0f}s unless renewed" if left >= 0 else
                 f"EXPIRED {-left:.0f}s ago: its holder stopped; the next taker takes it over")
        lines.append(f"  {h.name:<{width}}  process {h.pid} on {h.host}, since "
                     f"{h.acquired_at:%Y-%m-%d %H:%M} UTC, heartbeat {beat:.0f}s ago, {state}")
    return lines
