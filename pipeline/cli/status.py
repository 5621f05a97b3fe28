"""``pipeline status``: the database's schema, and the workers holding leases in it.

Every process that holds a lock (a run, a relay, a scheduler, on any machine sharing the database)
renews its lease; this shows them, their heartbeats, and the leases whose holder stopped. Each
``pipeline schedule`` worker holds ``worker:<host>:<pid>`` for its life: it is listed with when it
started, its last heartbeat and the leases it holds (jobs, fetches), and marked STALE once it
stopped renewing.
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
    for line in describe_leases(held, utcnow()) + describe_workers(held, utcnow()):
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


def describe_workers(held: list[Holder], now: datetime) -> list[str]:
    """Lines for the ``pipeline schedule`` workers (their ``worker:`` leases), stale ones marked."""
    workers = [h for h in held if h.name.startswith("worker:")]
    if not workers:
        return []
    lines = [f"Schedulers {len(workers)}"]
    for worker in workers:
        holds = [h.name for h in held if (h.host, h.pid) == (worker.host, worker.pid)
                 and h is not worker]
        beat = (now - worker.heartbeat_at).total_seconds()
        state = ("STALE: stopped renewing; its leases are taken over as they expire"
                 if worker.expired(now) else "running")
        lines.append(f"  {worker.host} pid {worker.pid}  {state}, started "
                     f"{worker.acquired_at:%Y-%m-%d %H:%M} UTC, heartbeat {beat:.0f}s ago, "
                     f"holds {', '.join(holds) or 'nothing else'}")
    return lines
