"""Every source type has a README section whose example is a valid jobs.yaml source entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipeline.config import parse_config
from pipeline.sources import REGISTRY

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def section(source_type: str) -> str:
    """The text of the README's ``### <type>`` subsection."""
    match = re.search(rf"^### {source_type}\n(.*?)(?=^#{{2,3}} )", README, re.M | re.S)
    assert match, f"README has no '### {source_type}' section under '## Sources'"
    return match.group(1)


@pytest.mark.parametrize("source_type", sorted(set(REGISTRY) - {"files"}))
def test_the_readme_example_of_each_source_is_valid(source_type):
    blocks = re.findall(r"```yaml\n(.*?)```", section(source_type), re.S)
    assert blocks, f"the README's {source_type} section has no yaml example"
    entries = yaml.safe_load(blocks[0])
    config = parse_config({"sources": entries}, base_dir=Path("."))
    assert [s.type for s in config.sources] == [source_type]
