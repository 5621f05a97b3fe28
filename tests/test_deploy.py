"""The deployment examples: compose.yaml, its Dockerfile and the systemd units of deploy/systemd.

No container runs here: the files are parsed, each command they start is checked against the real
CLI (`--help` after the same arguments fails on an unknown command or option), and the way
compose.yaml gives every service one database (libpq's PG* variables under a bare
``postgresql+psycopg://`` URL) is run against the real PostgreSQL server.
"""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy.engine import make_url

from pipeline.cli import cli

REPO = Path(__file__).resolve().parents[1]
UNITS = REPO / "deploy" / "systemd"


def compose() -> dict:
    """compose.yaml as Docker Compose reads it (YAML merge keys resolved)."""
    return yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))


def pipeline_services() -> dict[str, dict]:
    """The services that run the program (built from the Dockerfile), by name."""
    return {name: service for name, service in compose()["services"].items()
            if service.get("build") == "."}


def runs_in_cli(arguments: list[str]) -> bool:
    """Whether ``pipeline ARGUMENTS`` names a command and options the CLI has."""
    return CliRunner().invoke(cli, [*arguments, "--help"]).exit_code == 0


def test_compose_runs_postgres_two_workers_and_the_web_pages():
    services = compose()["services"]
    commands = [service["command"][0] for service in pipeline_services().values()]
    assert services["db"]["image"].startswith("postgres:")
    assert commands.count("schedule") == 2
    assert commands.count("serve") == 1
    assert all("healthcheck" in services[name] for name in services if name != "migrate")


def test_every_pipeline_service_is_built_and_runs_a_real_command():
    services = pipeline_services()
    assert services
    for name, service in services.items():
        assert service.get("image") or service.get("build"), name
        assert runs_in_cli(service["command"]), f"{name}: {service['command']}"


def test_every_pipeline_service_uses_the_one_database():
    services = compose()["services"]
    db = services["db"]["environment"]
    for name, service in pipeline_services().items():
        env = service["environment"]
        assert (env["PGHOST"], env["PGDATABASE"], env["PGUSER"]) == (
            "db", db["POSTGRES_DB"], db["POSTGRES_USER"]), name
        assert env["PGPASSWORD"].startswith("${POSTGRES_PASSWORD"), name
        assert "/config" in " ".join(service["command"]), name


def test_the_dockerfile_copies_what_exists_and_starts_the_cli():
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    copied = [part for line in lines if line.startswith("COPY ")
              for part in line.split()[1:-1]]
    assert copied and all((REPO / part).exists() for part in copied), copied
    assert 'ENTRYPOINT ["pipeline"]' in lines


def unit(name: str) -> configparser.ConfigParser:
    """A systemd unit file, read as INI."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(UNITS / name, encoding="utf-8")
    return parser


@pytest.mark.parametrize(("name", "command"), [("pipeline-worker@.service", "schedule"),
                                               ("pipeline-web.service", "serve")])
def test_systemd_units_start_a_real_command(name, command):
    service = unit(name)["Service"]
    program, *arguments = shlex.split(service["ExecStart"])
    assert program.endswith("/.venv/bin/pipeline")
    assert arguments[0] == command
    assert runs_in_cli(arguments)
    assert service["EnvironmentFile"] and service["Restart"] == "on-failure"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_bare_postgres_url_takes_the_database_from_compose_variables(db_url, tmp_path):
    env = pipeline_services()["worker-1"]["environment"]
    server = make_url(db_url)
    values = {"PGHOST": server.host, "PGPORT": str(server.port), "PGUSER": server.username,
              "PGDATABASE": server.database, "PGPASSWORD": server.password or "unused",
              "PGOPTIONS": server.query["options"],
              "PGAPPNAME": server.query["application_name"]}
    assert {"PGHOST", "PGDATABASE", "PGUSER", "PGPASSWORD"} <= set(env)
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text(yaml.safe_dump({
        "database": {"url": "postgresql+psycopg://"},
        "sources": [{"name": "local", "type": "files", "path": "postings"}]}), encoding="utf-8")
    runner = CliRunner()
    upgrade = runner.invoke(cli, ["db", "upgrade", "--config", str(jobs)], env=values)
    status = runner.invoke(cli, ["db", "status", "--config", str(jobs)], env=values)
    assert "Created the database" in upgrade.output, upgrade.output
    assert "Up to date." in status.output, status.output
