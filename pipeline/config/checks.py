"""Checks of a loaded jobs.yaml that need the file system or the scheduler, run before any work.

``load_config`` checks the shape of the file; ``check_ready`` then checks what it points at, so a
command stops with exit status 2 before it touches the database or the network: every subscriber's
resume exists, every source ``schedule`` is a valid crontab expression or interval, and the
mailbox of ``schedule.unsubscribe_mail`` (if set) is a readable Maildir folder or mbox file. Each
message names the file and the key path. ``check_secrets`` checks what a command will use: the
``${VARIABLE}``s it reads and, for the commands that send (``smtp=True``: ``run``, ``notify``,
``outbox --retry``, ``schedule``), that the DKIM key of ``email.dkim`` loads and signs a test
message; so ``fetch``, ``rank`` or ``eval`` work where only the sending user can read the key.
The role profile is checked by the commands that use it (``pipeline run`` loads it before
fetching); ``fetch`` and ``subscribers`` do not need one.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from pipeline.config import JobsConfig
from pipeline.config.values import env_name
from pipeline.errors import ConfigError


def check_ready(config: JobsConfig) -> None:
    """Raise ConfigError listing every key whose file is missing or whose schedule is invalid."""
    problems = (_missing_files(config) + _bad_schedules(config)
                + _bad_unsubscribe_mailbox(config))
    if problems:
        where = str(config.path) if config.path else "config"
        raise ConfigError(f"{where}: " + f"\n{where}: ".join(problems))


def check_secrets(config: JobsConfig, *, sources: bool = True, smtp: bool = True) -> None:
    """Raise ConfigError when a ``${VARIABLE}`` the command will use is not set: those of the
    enabled sources (fetching), and when sending (``smtp``) the SMTP login of the smtp
    transport and a DKIM key given as ``email.dkim.private_key``; when sending, also when the
    DKIM key cannot be read or cannot sign."""
    sections: list[tuple[str, BaseModel]] = []
    if smtp and config.email.transport == "smtp":
        sections.append(("email.smtp", config.email.smtp))
    if smtp and config.email.dkim is not None:  # every transport signs
        sections.append(("email.dkim", config.email.dkim))
    if sources:
        sections += [(f"sources[{index}]", source) for index, source
                     in enumerate(config.sources) if source.enabled]
    unset = [f"{where}.{key}: environment variable {name} is not set; export it first"
             for where, section in sections for key, value in section
             if (name := env_name(value)) and name not in os.environ]
    problems = unset + (_bad_dkim_key(config) if smtp else [])
    if problems:
        where = str(config.path) if config.path else "config"
        raise ConfigError(f"{where}: " + f"\n{where}: ".join(problems))


def _missing_files(config: JobsConfig) -> list[str]:
    """One line per configured file that does not exist."""
    wanted: list[tuple[str, Path | None, str]] = []
    for index, subscriber in enumerate(config.subscribers):
        wanted.append((f"subscribers[{index}].resume", subscriber.resume,
                       "a PDF, DOCX, text or Markdown resume; leave the key out for none"))
    return [f"{key}: {'not a file' if path.exists() else 'no such file'} {str(path)!r} "
            f"(relative paths start at the folder of jobs.yaml); expected {what}"
            for key, path, what in wanted if path is not None and not path.is_file()]


def _bad_schedules(config: JobsConfig) -> list[str]:
    """One line per source whose schedule the scheduler could not use."""
    from pipeline.service.jobs import source_trigger  # imports pipeline.config: not at module level

    problems = []
    for index, source in enumerate(config.sources):
        if source.schedule and source.schedule.cron and source.schedule.every:
            problems.append(f"sources[{index}].schedule: give either cron or every, not both "
                            f"(got cron {source.schedule.cron!r} and every "
                            f"{source.schedule.every!r})")
            continue
        try:
            source_trigger(config, index)
        except ConfigError as exc:
            problems.append(str(exc))
    return problems


def _bad_dkim_key(config: JobsConfig) -> list[str]:
    """The problem with ``email.dkim``'s key (loaded and test-signed), if any. A key whose
    environment variable is unset is left to ``check_secrets`` of the commands that send."""
    from pipeline.notify.dkim_sign import env_key_unset, load_signer

    if config.email.dkim is None or env_key_unset(config):
        return []
    try:
        load_signer(config)
    except ConfigError as exc:
        return [str(exc)]
    return []


def _bad_unsubscribe_mailbox(config: JobsConfig) -> list[str]:
    """The problem with ``schedule.unsubscribe_mail``, if set: it must be a Maildir folder
    (``cur/``, ``new/``, ``tmp/`` inside) or an mbox file, and readable by this user."""
    path = config.schedule.unsubscribe_mail
    if path is None:
        return []
    key, what = "schedule.unsubscribe_mail", "the Maildir folder or mbox file " \
        "email.unsubscribe_mailto is delivered to (relative paths start at the folder of jobs.yaml)"
    if path.is_dir():
        missing = [sub for sub in ("cur", "new", "tmp") if not (path / sub).is_dir()]
        if missing:
            return [f"{key}: {str(path)!r} is a folder but not a Maildir (no "
                    f"{', '.join(m + '/' for m in missing)} inside); expected {what}"]
        unreadable = [p for p in (path, path / "cur", path / "new")
                      if not os.access(p, os.R_OK | os.X_OK)]
    elif path.is_file():
        unreadable = [] if os.access(path, os.R_OK) else [path]
    else:
        return [f"{key}: no such folder or file {str(path)!r}; expected {what}"]
    return [f"{key}: cannot read {str(p)!r}: permission denied; let the user running the "
            "pipeline read the mailbox" for p in unreadable[:1]]
