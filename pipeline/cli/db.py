"""``pipeline db upgrade|status``: the database schema, for operators.

Every command upgrades the database when it opens it; these say where it stands and upgrade it
on purpose (before starting several workers of a new version, say).
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION, cli
from pipeline.config import load_config


@cli.group()
def db() -> None:
    """The database schema: where it stands, and upgrading it."""


@db.command()
@CONFIG_OPTION
def status(config_path: Path) -> None:
    """Show the database's schema revision and the migrations an upgrade would apply.

    \b
    Example:
      pipeline db status
    """
    from pipeline.store import schema_status, shown_url

    url = load_config(config_path).database_url()
    state = schema_status(url)
    click.echo(f"Database   {shown_url(url)}")
    if state.current is None:
        click.echo(f"Revision   none: the database is empty (head {state.head})")
    else:
        legacy = " (schema_version, before Alembic)" if state.legacy else ""
        click.echo(f"Revision   {state.current}{legacy}; head {state.head}")
    if state.up_to_date:
        click.echo("Up to date.")
    else:
        click.echo(f"Pending    {', '.join(state.pending)}: run `pipeline db upgrade`")


@db.command()
@CONFIG_OPTION
def upgrade(config_path: Path) -> None:
    """Create the database, or upgrade it to this program's schema, keeping every row.

    \b
    Example:
      pipeline db upgrade
    """
    from pipeline.store import Store

    with Store(load_config(config_path).database_url()) as store:
        before, after = store.migrated_from, store.version
    if before is None:
        click.echo(f"Created the database at revision {after}.")
    elif before == after:
        click.echo(f"The database is at revision {after} already; nothing to do.")
    else:
        click.echo(f"Upgraded the database from revision {before} to {after}.")
