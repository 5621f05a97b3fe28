"""The config layer stands alone: it imports no layer above it, and checks schedules at load."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError

#: Packages above the config layer: importing ``pipeline.config`` must load none of them.
ABOVE = ("pipeline.sources", "pipeline.service", "pipeline.notify", "pipeline.match",
         "pipeline.store", "pipeline.http", "pipeline.cli", "pipeline.stages.fetch", "pipeline.run",
         "pipeline.dedupe")

PROBE = textwrap.dedent("""
    import json, sys
    import pipeline.config
    loaded = sorted(name for name in sys.modules if name.startswith("pipeline"))
    config = pipeline.config.load_config(sys.argv[1])
    print(json.dumps({"loaded": loaded, "types": [s.type for s in config.sources]}))
""")


def test_importing_config_loads_no_layer_above_it_yet_loads_every_source_type(tmp_path):
    path = tmp_path / "jobs.yaml"
    path.write_text("sources:\n  - {name: local, type: files, path: postings}\n"
                    "  - {name: gh, type: greenhouse, board: acme}\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path, check=True)
    probe = json.loads(result.stdout)
    above = [name for name in probe["loaded"]
             if any(name == top or name.startswith(top + ".") for top in ABOVE)]
    assert above == []
    assert probe["types"] == ["files", "greenhouse"]


def _jobs(tmp_path: Path, schedule: str) -> Path:
    path = tmp_path / "jobs.yaml"
    path.write_text(f"sources:\n  - {{name: local, type: files, path: postings, "
                    f"schedule: {schedule}}}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("schedule", "says"), [
    ("{cron: '0 25 * * *'}",
     "sources[0].schedule.cron: '0 25 * * *' is not a crontab expression"),
    ("{cron: 'every day'}", "sources[0].schedule.cron: 'every day' is not a crontab expression"),
    ("{every: 6 hours}", "sources[0].schedule.every: '6 hours' is not an interval"),
    ("{every: 0h}", "sources[0].schedule.every: '0h' is not an interval"),
    ("{cron: '0 * * * *', every: 1h}", "sources[0].schedule: give either cron or every"),
])
def test_a_bad_source_schedule_is_refused_when_jobs_yaml_is_loaded(tmp_path, schedule, says):
    with pytest.raises(ConfigError) as caught:
        load_config(_jobs(tmp_path, schedule))
    assert says in str(caught.value)

