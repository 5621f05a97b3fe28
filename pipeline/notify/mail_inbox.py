"""The mailbox the unsubscribe address is delivered to: a Maildir folder or an mbox file.

Both are read with the standard library's ``mailbox``; they differ in how a processed message is
remembered, so a second run does nothing new and loses nothing:

- **Maildir**: the message is copied into the ``.processed`` sub-folder (flagged seen), then
  removed from the inbox; a crash in between at worst duplicates it in ``processed``.
- **mbox**: the file is never written (delivery agents append to it); the Message-ID (else a
  SHA-256 of the message) is kept in the table ``processed_unsubscribe_mail``. Rotating the
  file is the operator's job.

Messages not understood are never marked: every run lists them again.
"""

from __future__ import annotations

import hashlib
import mailbox
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from pipeline.errors import MailboxError
from pipeline.store import Store
from pipeline.store.schema import processed_unsubscribe_mail as processed_mail
from pipeline.store.schema import utcnow

#: The Maildir++ sub-folder processed messages are moved into.
PROCESSED_FOLDER = "processed"


class Inbox:
    """A mailbox's messages as raw bytes by key, and the marking of processed ones."""

    def keys(self) -> Iterator[str]:
        """Keys of the messages to look at."""
        raise NotImplementedError

    def raw(self, key: str) -> bytes:
        """The message's bytes (KeyError or OSError when it is gone or unreadable)."""
        raise NotImplementedError

    def seen(self, raw: bytes, message: EmailMessage) -> bool:
        """Whether an earlier run processed this message already."""
        return False

    def mark(self, key: str, raw: bytes, message: EmailMessage, outcome: str) -> None:
        """Remember the message as processed, so no later run looks at it again."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the mailbox's file, if it holds one open."""


class MaildirInbox(Inbox):
    """A Maildir folder; processed messages move into its ``processed`` sub-folder."""

    def __init__(self, path: Path):
        missing = [sub for sub in ("cur", "new", "tmp") if not (path / sub).is_dir()]
        if missing:
            raise MailboxError(f"{path} is a folder but not a Maildir (no {', '.join(missing)}/ "
                               "inside); give a Maildir folder or an mbox file")
        self.path = path
        self._box = mailbox.Maildir(path, factory=None, create=False)

    def keys(self) -> Iterator[str]:
        """Keys of the messages in ``new/`` and ``cur/`` (not those in sub-folders)."""
        return iter(sorted(self._box.keys()))

    def raw(self, key: str) -> bytes:
        """The message's bytes."""
        return self._box.get_bytes(key)

    def mark(self, key: str, raw: bytes, message: EmailMessage, outcome: str) -> None:
        """Copy into ``processed`` (seen), then remove from the inbox."""
        copy = mailbox.MaildirMessage(raw)
        copy.set_subdir("cur")
        copy.add_flag("S")
        try:
            if PROCESSED_FOLDER in self._box.list_folders():
                folder = self._box.get_folder(PROCESSED_FOLDER)
            else:
                folder = self._box.add_folder(PROCESSED_FOLDER)
            folder.add(copy)
            self._box.discard(key)
        except OSError as exc:
            raise MailboxError(f"cannot move a processed message into {self.path}/."
                               f"{PROCESSED_FOLDER}: {exc.strerror or exc}; let this user "
                               "write the Maildir") from exc


class MboxInbox(Inbox):
    """An mbox file, read only; processed Message-IDs are kept in the database."""

    def __init__(self, path: Path, store: Store, dry_run: bool):
        self._box = mailbox.mbox(path, factory=None, create=False)
        self._store = store
        self._done = _processed_keys(store)

    def keys(self) -> Iterator[str]:
        """Keys of every message in the file, in file order."""
        return iter(self._box.keys())

    def raw(self, key: str) -> bytes:
        """The message's bytes, without the ``From `` separator line."""
        return self._box.get_bytes(key)

    def seen(self, raw: bytes, message: EmailMessage) -> bool:
        """Whether its Message-ID (or hash) is recorded as processed."""
        return message_key(raw, message) in self._done

    def mark(self, key: str, raw: bytes, message: EmailMessage, outcome: str) -> None:
        """Record the message's key; another run recording it first is fine."""
        done = message_key(raw, message)
        try:
            with self._store.engine.begin() as conn:
                conn.execute(insert(processed_mail).values(
                    message_key=done, outcome=outcome, processed_at=utcnow()))
        except IntegrityError:
            pass  # a concurrent run recorded the same message: it is processed either way
        self._done.add(done)

    def close(self) -> None:
        """Close the mbox file (it was never written)."""
        self._box.close()


def message_key(raw: bytes, message: EmailMessage) -> str:
    """The Message-ID, or ``sha256:<hex>`` of the bytes when it is missing or too long."""
    message_id = str(message.get("Message-ID", "") or "").strip()
    if message_id and len(message_id) <= 250:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _processed_keys(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(conn.execute(select(processed_mail.c.message_key)).scalars())


def open_inbox(path: Path, store: Store, dry_run: bool = False) -> Inbox:
    """The Maildir (a folder) or mbox (a file) at ``path``; MailboxError when it is neither."""
    try:
        if path.is_dir():
            return MaildirInbox(path)
        if path.is_file():
            return MboxInbox(path, store, dry_run)
    except (OSError, mailbox.Error) as exc:
        raise MailboxError(f"cannot read the mailbox {path}: {exc}") from exc
    raise MailboxError(f"{path}: no such Maildir folder or mbox file")
