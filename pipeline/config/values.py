"""Checks of single values in jobs.yaml: e-mail addresses, time zones, schedules and secrets.

``check_email`` is the one check of every e-mail address, a subscriber's or the operator's
(syntax by ``email-validator``, no DNS look-up). An everyday address (``PLAIN_ADDRESS``: ASCII
letters, digits, dots, ``_``, ``+`` and ``-``; a domain under a top-level name of letters) is
one email-validator accepts, and passes without it: importing email-validator compiles its
internationalised grammar, a few percent of each command's start, so a jobs.yaml of such
addresses never loads it. Any other address is email-validator's to judge.

A secret key holds ``${ENV_VAR}`` in the file (``env_reference`` refuses anything else) and is
resolved from the environment with ``secret()`` only when it is used.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import ConfigError

_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_NAMED = re.compile(r"^(?P<name>[^<>]*)<(?P<address>[^<>]*)>$")
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
#: Addresses email-validator accepts (with ``test_environment``), checked without it: a dot-atom
#: local part of at most 64 characters and two or more host name labels of at most 63, no
#: ``--`` (Punycode and the labels email-validator refuses for it go to email-validator), the
#: last label letters only; ``check_email`` also keeps out the special-use top-level names.
PLAIN_ADDRESS = re.compile(
    r"(?=[^@]{1,64}@)[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*"
    r"@(?!.*--)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?P<top>[A-Za-z]{2,63})")
#: Top-level names email-validator refuses as special-use (``test`` passes: see check_email).
_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion"})
#: email-validator's longest address, and longest domain.
_MAX_ADDRESS, _MAX_DOMAIN = 254, 253


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


def env_reference(value: str | None) -> str | None:
    """Validator for secret keys: only ``${ENV_VAR}`` is accepted in the file."""
    if value is not None and not _ENV_REF.match(value):
        raise ValueError("secrets are not written in jobs.yaml; use ${ENV_VARIABLE}")
    return value


def check_email(value: str) -> str:
    """Validate an e-mail address and normalise it (stripped, lower-cased); ValueError saying
    what is wrong. Non-ASCII local parts and domains are accepted (sent with SMTPUTF8 or as
    IDNA), as written: ``bob@xn--exmple-cua.org`` stays in its A-label form. Names under the
    ``.test`` domain (RFC 6761, kept for testing) pass, for staging set-ups and the tests."""
    value = value.strip()
    if not _plain(value):
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(value, check_deliverability=False, test_environment=True)
        except EmailNotValidError as exc:
            raise ValueError(f"{value!r} is not a valid e-mail address: {exc}") from None
    return value.lower()


def _plain(value: str) -> bool:
    """Whether ``value`` is an everyday address (``PLAIN_ADDRESS``) email-validator accepts."""
    found = PLAIN_ADDRESS.fullmatch(value)
    return (found is not None and len(value) <= _MAX_ADDRESS
            and len(value) - value.index("@") - 1 <= _MAX_DOMAIN
            and found.group("top").lower() not in _SPECIAL_USE)


def mailbox_address(value: str) -> str:
    """The address of ``Name <address>`` or of a bare address, checked with ``check_email``
    (as written, not lower-cased); ValueError when anything else is around it."""
    value = value.strip()
    named = _NAMED.match(value)
    address = named.group("address").strip() if named else value
    check_email(address)
    return address


def check_timezone(value: str) -> str:
    """Validate an IANA time zone name such as 'America/Chicago'."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name like 'America/New_York'"
        ) from exc
    return value


def parse_interval(text: str) -> timedelta:
    """'30m', '6h', '1d' as a timedelta; ValueError saying what to write otherwise."""
    match = _INTERVAL.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not an interval; write a number and a unit, like '30m', "
                         "'6h' or '1d' (units s, m, h, d, w)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def check_crontab(text: str) -> str:
    """A crontab expression the scheduler can use; ValueError saying what is wrong otherwise."""
    from apscheduler.triggers.cron import CronTrigger  # heavy: only when a cron is written

    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a crontab expression ({exc}); write five fields "
                         "(minute hour day month weekday), like '0 */6 * * *'") from None
    return text
