"""``pipeline report``: a subscriber's skills-gap and pay report, or the market's."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli import CONFIG_OPTION, cli, open_config


@cli.command()
@CONFIG_OPTION
@click.option("--subscriber", metavar="EMAIL", help="The report of this subscriber.")
@click.option("--market", is_flag=True, help="The report of every stored posting (no resume, "
              "no filters), for operators and tuners.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report as one self-contained HTML file (charts embedded).")
def report(config_path: Path, subscriber: str | None, market: bool,
           html_path: Path | None) -> None:
    """Skills and credentials in demand, the gaps that would open most postings, pay and
    places, over the last 30 and 90 days.

    \b
    Examples:
      pipeline report --subscriber lee@example.org
      pipeline report --subscriber lee@example.org --html lee-report.html
      pipeline report --market --html market.html
    """
    from pipeline.report import market_report, render_html, render_text, subscriber_report
    from pipeline.store import Store

    if bool(subscriber) == market:
        raise click.UsageError("give --subscriber EMAIL or --market (one of them)")
    config = open_config(config_path)
    with Store(config.database_url()) as store:
        if market:
            found = market_report(config, store)
        else:
            from pipeline.notify.subscribers import sync_subscribers

            sync_subscribers(config, store)  # jobs.yaml subscribers exist before the first run
            found = subscriber_report(config, store, store.get_subscriber(subscriber))
    if html_path is None:
        click.echo(render_text(found), nl=False)
        return
    try:
        html_path.write_text(render_html(found), encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {html_path}: {exc.strerror}") from exc
    click.echo(f"Wrote {html_path}")
