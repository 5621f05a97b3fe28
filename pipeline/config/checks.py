"""Checks of a loaded jobs.yaml that need the file system or the environment, run before any work.

``load_config`` checks the shape of the file (source schedules included); ``check_ready`` then
checks what it points at, so a command stops with exit status 2 before it touches the database or
the network: every subscriber's resume exists, and the mailbox of ``schedule.unsubscribe_mail``
(if set) is a readable Maildir folder or mbox file. Each message names the file and the key path.
``check_secrets`` checks the ``${VARIABLE}``s a command will read. Checks that need a higher
layer live there: the DKIM key is test-signed by ``pipeline.notify.dkim_sign.check_signing_key``,
and ``pipeline.run.check_secrets`` runs both for the commands that fetch and send. The role
profile is checked by the commands that use it.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel

from pipeline.config import JobsConfig
from pipeline.config.values import env_name
from pipeline.errors import ConfigError


def check_ready(config: JobsConfig) -> None:
    """Raise ConfigError listing every key whose file or mailbox is missing or unreadable."""
    problems = _missing_files(config) + _bad_unsubscribe_mailbox(config)
    if problems:
        where = str(config.path) if config.path else "config"
        raise ConfigError(f"{where}: " + f"\n{where}: ".join(problems))


def check_secrets(config: JobsConfig, *, sources: bool = True, smtp: bool = True) -> None:
    """Raise ConfigError when a ``${VARIABLE}`` the command will use is not set: those of the
    enabled sources (fetching), and when sending (``smtp``) the SMTP login of the smtp
    transport and a DKIM key given as ``email.dkim.private_key``."""
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
    if unset:
        where = str(config.path) if config.path else "config"
        raise ConfigError(f"{where}: " + f"\n{where}: ".join(unset))


def _missing_files(config: JobsConfig) -> list[str]:
    """One line per configured file that does not exist."""
    wanted: list[tuple[str, Path | None, str]] = []
    for index, subscriber in enumerate(config.subscribers):
        wanted.append((f"subscribers[{index}].resume", subscriber.resume,
                       "a PDF, DOCX, text or Markdown resume; leave the key out for none"))
    return [f"{key}: {'not a file' if path.exists() else 'no such file'} {str(path)!r} "
            f"(relative paths start at the folder of jobs.yaml); expected {what}"
            for key, path, what in wanted if path is not None and not path.is_file()]


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
