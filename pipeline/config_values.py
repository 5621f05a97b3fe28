"""Checks of single values in jobs.yaml: e-mail addresses, time zones, and secrets.

A secret key holds ``${ENV_VAR}`` in the file (``_env_reference`` refuses anything else) and is
resolved from the environment with ``secret()`` only when it is used.
"""

from __future__ import annotations

import os
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import ConfigError

_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def env_name(value: object) -> str | None:
    """The variable named by a ``${ENV_VAR}`` value, else None."""
    match = _ENV_REF.match(value) if isinstance(value, str) else None
    return match.group(1) if match else None


def secret(value: str | None, key: str) -> str | None:
    """Resolve a ``${ENV_VAR}`` reference; raise ConfigError naming ``key`` when it is unset."""
    if value is None:
        return None
    match = _ENV_REF.match(value)
    if not match:
        raise ConfigError(f"{key}: secrets come from the environment; write ${{VARIABLE}}")
    resolved = os.environ.get(match.group(1))
    if resolved is None:
        raise ConfigError(f"{key}: environment variable {match.group(1)} is not set")
    return resolved


def _env_reference(value: str | None) -> str | None:
    """Validator for secret keys: only ``${ENV_VAR}`` is accepted in the file."""
    if value is not None and not _ENV_REF.match(value):
        raise ValueError("secrets are not written in jobs.yaml; use ${ENV_VARIABLE}")
    return value


def check_email(value: str) -> str:
    """Validate and normalise an e-mail address (lower-cased)."""
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not a valid e-mail address")
    return value.lower()


def check_timezone(value: str) -> str:
    """Validate an IANA time zone name such as 'America/Chicago'."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name like 'America/New_York'"
        ) from exc
    return value
