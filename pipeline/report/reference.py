"""National pay reference figures of a role (``models/<role>.pay.yaml``), with their source."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.config.messages import parse_data_yaml
from pipeline.errors import ProfileError


class PayReference(BaseModel):
    """A role's national pay figures (annual) and where they come from."""

    model_config = ConfigDict(extra="forbid")

    source: str
    currency: str = "USD"
    median: float
    range_low: float
    range_high: float


def reference_path_for(profile_path: Path) -> Path:
    """Where a profile's pay figures live: ``models/care_manager.pay.yaml``."""
    profile_path = Path(profile_path)
    return profile_path.with_name(profile_path.stem + ".pay.yaml")


def load_reference(profile_path: Path) -> PayReference | None:
    """The pay figures beside a profile, None when it has none; ProfileError when malformed."""
    path = reference_path_for(profile_path)
    if not path.exists():
        return None
    try:
        data = parse_data_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError) as exc:
        raise ProfileError(f"{path}: cannot read the pay figures: {exc}") from exc
    try:
        return PayReference.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"])) or "(top level)"
        raise ProfileError(f"{path}: {where}: {first['msg']}; keys: source, currency, median, "
                           "range_low, range_high (annual figures)") from exc
