"""The error tree of the pipeline library.

Library code raises these; only ``pipeline.cli`` turns them into one-line messages and exit codes.

    PipelineError                    base of every error the library raises on purpose
    ├── ConfigError                  jobs.yaml missing, unreadable or invalid        (exit 2)
    │   └── UnknownNameError         an argument names no such source                (exit 2)
    ├── StoreError                   the database cannot be opened or migrated
    ├── SourceError                  one source failed; the run goes on without it
    │   ├── FetchError               network, HTTP status, timeout, oversized body
    │   └── ParseError               the board answered something we cannot read
    ├── BoardNotFoundError           `sources detect`: no job board recognised at a URL
    ├── ResumeError                  a resume file has no usable text, wrong type, too large
    ├── ProfileError                 a role profile file is missing or invalid
    ├── SubscriberError              unknown subscriber, bad address, bad time zone
    ├── MailboxError                 the unsubscribe mailbox is unreadable           (exit 2)
    ├── DeliveryError                sending a digest failed
    │   ├── TransientDeliveryError   try again later (connection refused, dropped, 4xx)
    │   │   └── ServerUnavailable    server unusable (refused, timeout, TLS, login): batch waits
    │   ├── PermanentDeliveryError   will never succeed (5xx recipient refused)
    │   └── OutcomeUnknownError      sent but no reply came: it may have been delivered
    └── LockedError                  another run or scheduler holds the lock
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1


class ConfigError(PipelineError):
    """jobs.yaml is missing, unreadable or invalid."""

    exit_code = 2


class UnknownNameError(ConfigError):
    """A command argument names something jobs.yaml does not have (e.g. a source)."""


class StoreError(PipelineError):
    """The database cannot be opened, migrated or written."""


class SourceError(PipelineError):
    """One source failed; carries the source name so the run can report it."""

    def __init__(self, message: str, source: str | None = None):
        super().__init__(message)
        self.source = source


class BoardNotFoundError(PipelineError):
    """No job board was recognised behind a careers page; says what the page showed."""


class FetchError(SourceError):
    """The board could not be reached or answered with an error status."""


class ParseError(SourceError):
    """The board answered, but with something that is not the expected format."""


class ResumeError(PipelineError):
    """A resume file cannot be turned into text."""

    exit_code = 2


class ProfileError(PipelineError):
    """A role profile is missing or invalid."""

    exit_code = 2


class SubscriberError(PipelineError):
    """A subscriber operation was refused (unknown address, invalid value)."""

    exit_code = 2


class MailboxError(PipelineError):
    """The mailbox cannot be opened, read or marked (exit 2, like other unreadable input)."""

    exit_code = 2


class DeliveryError(PipelineError):
    """Sending a digest failed."""


class TransientDeliveryError(DeliveryError):
    """Sending failed for now; the digest stays queued and is retried."""


class ServerUnavailable(TransientDeliveryError):
    """The mail server cannot be reached or used now; the rest of the batch waits."""


class PermanentDeliveryError(DeliveryError):
    """Sending can never succeed (e.g. the recipient was refused with a 5xx)."""


class OutcomeUnknownError(DeliveryError):
    """The server received the whole message but never answered: it may have been delivered.

    Not a ``TransientDeliveryError``: resending at once could deliver the digest twice.
    """


class LockedError(PipelineError):
    """Another run or scheduler already holds the lock."""

    exit_code = 3
