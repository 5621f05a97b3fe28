"""``pipeline sources`` (the last runs of every source), its ``detect`` and ``check``, and the
preset of ``init``.

``detect`` prints the jobs.yaml entry of the board behind a careers page (``--add`` appends it to
jobs.yaml, keeping the file's comments and layout); ``check`` tries every catalogue employer's
board with one request and lists the dead ones; ``preset_config`` writes the ``sources:`` of a
starter jobs.yaml from a catalogue preset.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click
import yaml

from pipeline.cli import CONFIG_OPTION, cli, open_config
from pipeline.config import HttpConfig, load_config, parse_config
from pipeline.errors import ConfigError


@cli.group(invoke_without_command=True)
@CONFIG_OPTION
@click.option("--limit", type=click.IntRange(min=1), default=3, show_default=True,
              help="Runs shown per source, newest first.")
@click.pass_context
def sources(ctx: click.Context, config_path: Path, limit: int) -> None:
    """Show the last runs of every source: status, postings seen / new / closed, errors.

    `pipeline sources detect URL` finds the board behind a careers page; `pipeline sources
    check` tries every catalogue employer's board.
    """
    from rich.console import Console
    from rich.table import Table

    from pipeline.store import Store

    if ctx.invoked_subcommand:
        return
    config = open_config(config_path)
    table = Table("source", "type", "when (UTC)", "status", "seen", "new", "closed", "time")
    table.add_column("error", overflow="fold")
    for column in table.columns[:-1]:
        column.no_wrap = True
    with Store(config.database_url()) as store:
        for source in config.sources:
            runs = store.source_runs(source.name, limit=limit)
            kind = source.type + ("" if source.enabled else " (disabled)")
            if not runs:
                table.add_row(source.name, kind, "never fetched", "", "", "", "", "", "")
            for index, run in enumerate(runs):
                status = {"ok": "[green]ok", "failed": "[red]failed"}.get(run.status, run.status)
                if run.suspicious:
                    status = "[yellow]suspicious"
                table.add_row(source.name if index == 0 else "", kind if index == 0 else "",
                              f"{run.started_at:%Y-%m-%d %H:%M}", status, str(run.seen),
                              str(run.new), str(run.closed), f"{run.duration:.1f}s",
                              run.error or "")
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def preset_config(starter: str, preset: str, state: str | None) -> str:
    """The starter config with its ``sources:`` block replaced by the preset's employers."""
    from pipeline.catalog import select, starter_sources
    from pipeline.sources import REGISTRY

    block = starter_sources(select(preset, state), REGISTRY)
    where = f"preset {preset}" + (f", state {state.upper()}" if state else "")
    header = (f"# Sources: the catalogue's employers ({where}); "
              "`pipeline sources check` tries them.\n")
    return re.sub(r"^sources:\n(?:[ #].*\n)*", lambda _m: header + block, starter, count=1,
                  flags=re.M)


def _http_config(config_path: Path) -> HttpConfig:
    """The HTTP settings of jobs.yaml when it exists (its contact, pacing), else the defaults."""
    if config_path.exists():
        return load_config(config_path).http
    return HttpConfig(cache_dir=None)


@sources.command()
@click.argument("url")
@CONFIG_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: type and keys.")
@click.option("--add", is_flag=True, help="Append the entry to jobs.yaml (comments kept).")
@click.option("--name", help="The source's name [default: from the board's identifier].")
def detect(url: str, config_path: Path, as_json: bool, add: bool, name: str | None) -> None:
    """Recognise the job board behind a careers page URL and print its jobs.yaml entry.

    Exit 1 when no board is recognised (the message says what the page showed).
    """
    from pipeline.http import HttpClient
    from pipeline.sources import REGISTRY
    from pipeline.sources.detect import detect as find_board

    if not re.match(r"^https?://", url):
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    with HttpClient(_http_config(config_path)) as http:
        found = find_board(url, http)
    entry = found.entry(name)
    if add:
        entry = append_source(config_path, entry)
    if as_json:
        click.echo(json.dumps(entry))
    else:
        click.echo(f"# {found.type} board, from {found.evidence}")
        if found.type not in REGISTRY:
            click.echo(f"# (this version has no {found.type} source yet: keep the entry for "
                       "when it does)")
        click.echo(yaml.safe_dump([entry], sort_keys=False, default_flow_style=False).rstrip())
    if add:
        click.echo(f"Added source {entry['name']!r} to {config_path}.", err=True)


def append_source(config_path: Path, entry: dict) -> dict:
    """Append a source entry to the ``sources:`` list of jobs.yaml as text, keeping comments.

    The name gets a number when jobs.yaml already has it; the new text is validated as a whole
    config before it replaces the file, so a failure leaves the file as it was.
    """
    if not config_path.exists():
        raise ConfigError(f"{config_path} does not exist; create it first (pipeline init)")
    text = config_path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    names = {s.get("name") for s in data.get("sources") or [] if isinstance(s, dict)}
    base, number = entry["name"], 2
    while entry["name"] in names:
        entry = {**entry, "name": f"{base}-{number}"}
        number += 1
    new_text = _with_entry(text, entry)
    parse_config(yaml.safe_load(new_text), base_dir=config_path.parent, path=config_path)
    config_path.write_text(new_text, encoding="utf-8")
    return entry


def _with_entry(text: str, entry: dict) -> str:
    """The jobs.yaml text with ``entry`` as the last item of its top-level ``sources:``."""
    lines = (text if text.endswith("\n") else text + "\n").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"^sources:", line)), None)
    if start is None:
        return text.rstrip("\n") + "\nsources:\n" + _yaml_item(entry, "  ")
    if re.match(r"^sources:\s*\[\s*\]", lines[start]):
        lines[start] = "sources:\n"
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
        end += 1
    last = end  # back up over blank and comment lines at column 0 that precede the next key
    while last > start + 1 and (not lines[last - 1].strip() or lines[last - 1].startswith("#")):
        last -= 1
    items = [line for line in lines[start + 1:last] if line.lstrip().startswith("- ")]
    indent = re.match(r"^(\s*)", items[0]).group(1) if items else "  "
    return "".join(lines[:last]) + _yaml_item(entry, indent) + "".join(lines[last:])


def _yaml_item(entry: dict, indent: str) -> str:
    """One list item of YAML at ``indent``."""
    body = yaml.safe_dump([entry], sort_keys=False, default_flow_style=False, width=200)
    return "".join(indent + line + "\n" for line in body.splitlines())


@sources.command()
@CONFIG_OPTION
@click.option("--board", metavar="TYPE", help="Only the employers on this board type.")
@click.option("--base-url", metavar="URL", help="Send every request to this scheme and host "
              "instead (a mirror or proxy).")
def check(config_path: Path, board: str | None, base_url: str | None) -> None:
    """Try every catalogue employer's board with one request; list the dead ones.

    Uses the network (and jobs.yaml's http settings, when it exists). Exit 1 when any entry
    is dead, so a scheduled check can alert.
    """
    from pipeline.catalog import load_catalog
    from pipeline.catalog.check import check as try_boards
    from pipeline.http import HttpClient

    employers = [e for e in load_catalog() if board is None or e.board == board]
    if not employers:
        raise click.BadParameter(f"no catalogue employer is on {board!r}", param_hint="--board")
    with HttpClient(_http_config(config_path)) as http:
        probes = try_boards(employers, http, base_url=base_url)
    dead = [p for p in probes if p.status == "dead"]
    for probe in probes:
        if probe.status != "ok":
            click.echo(f"{probe.status}: {probe.employer.employer} ({probe.employer.board}): "
                       f"{probe.detail}")
    ok = sum(1 for p in probes if p.status == "ok")
    click.echo(f"{ok} ok, {len(dead)} dead, {len(probes) - ok - len(dead)} skipped "
               f"of {len(probes)} catalogue entries.")
    if dead:
        raise click.exceptions.Exit(1)
