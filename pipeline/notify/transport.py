"""Transports: how a message leaves. ``file`` writes .eml files; ``smtp`` talks to a server.

Both take an ``Outgoing`` (``message.outgoing``), the exact bytes to deliver, so a .eml is byte
for byte what SMTP sends, and both raise the delivery errors of ``pipeline.errors``: transient
(retry), ``ServerUnavailable`` (stop the batch), permanent, or outcome unknown (may have been
delivered, never re-sent at once).

The SMTP transport keeps one connection per batch and reconnects after a drop. A message with a
non-ASCII local part goes with ``SMTPUTF8 BODY=8BITMIME`` to a server that offers SMTPUTF8 and
fails for good elsewhere. Commands wait ``smtp.timeout`` seconds for a reply; the final "."
waits ``smtp.data_timeout`` (RFC 5321 section 4.5.3.2: 10 minutes).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from pathlib import Path

from pipeline.config import EmailConfig, SmtpConfig, secret
from pipeline.errors import (
    OutcomeUnknownError,
    PermanentDeliveryError,
    ServerUnavailable,
    TransientDeliveryError,
)
from pipeline.notify.message import Outgoing


class _FinalReplyWait:
    """smtplib's DATA step, waiting ``data_timeout`` for the reply to the final "." and raising
    OutcomeUnknownError when none comes (the server has the whole message and may deliver it).

    Written out because smtplib has one socket timeout and no hook between sending the message
    and reading the reply; the rest of smtplib's ``data`` is kept (dot-stuffing, CRLF "." CRLF).
    """

    data_timeout: float = 600.0

    def data(self, msg: bytes) -> tuple[int, bytes]:
        """Send DATA and the message; the server's reply to its end."""
        code, reply = self.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = re.sub(rb"(?m)^\.", b"..", msg)
        self.send(body + (b"" if body.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        self.sock.settimeout(self.data_timeout)  # a failed send never reaches this line
        try:
            return self.getreply()
        except smtplib.SMTPServerDisconnected as exc:  # timeout, reset or closed: no reply
            raise OutcomeUnknownError(f"no reply after the whole message was sent ({exc}); it "
                                      "may have been delivered") from exc
        finally:
            if self.sock is not None:
                self.sock.settimeout(self.timeout)


class _Smtp(_FinalReplyWait, smtplib.SMTP):
    """Plain or STARTTLS SMTP with the final-reply wait."""


class _SmtpSsl(_FinalReplyWait, smtplib.SMTP_SSL):
    """Implicit-TLS SMTP with the final-reply wait."""


class FileTransport:
    """Writes each message to ``<outbox_dir>/<message-id>.eml`` (a resend overwrites it)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def __enter__(self) -> FileTransport:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, mail: Outgoing) -> None:
        """Write the message's bytes atomically (temporary file, then rename)."""
        name = "".join(ch if ch.isalnum() or ch in "-_." else "_"
                       for ch in mail.message_id.strip("<>"))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = self.folder / f".{name}.tmp"
            partial.write_bytes(mail.raw)
            partial.replace(self.folder / f"{name}.eml")
        except OSError as exc:
            raise ServerUnavailable(f"cannot write to {self.folder}: {exc.strerror}") from exc


class SmtpTransport:
    """Sends through an SMTP server: STARTTLS, implicit TLS or plain; login from the environment."""

    def __init__(self, config: SmtpConfig):
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        where = f"{cfg.host}:{cfg.port}"
        try:
            if cfg.security == "tls":
                smtp = _SmtpSsl(cfg.host, cfg.port, timeout=cfg.timeout,
                                context=ssl.create_default_context())
            else:
                smtp = _Smtp(cfg.host, cfg.port, timeout=cfg.timeout)
            smtp.data_timeout = cfg.data_timeout
            if cfg.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            username = secret(cfg.username, "email.smtp.username")
            if username:
                smtp.login(username, secret(cfg.password, "email.smtp.password") or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise ServerUnavailable(f"{where} refused the login ({exc.smtp_code}); check the "
                                    "SMTP username and password variables") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ServerUnavailable(f"cannot connect to {where}: {_reason(exc)}") from exc
        return smtp

    def send(self, mail: Outgoing) -> None:
        """Send the message's bytes as they are; after any failure the next send reconnects.

        OutcomeUnknownError when the message went out whole but its reply never came."""
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            options = self._mail_options(self._smtp, mail)
            self._smtp.sendmail(mail.sender, [mail.recipient], mail.raw, mail_options=options)
        except OutcomeUnknownError:
            self.close()
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise classify(exc) from exc

    def _mail_options(self, smtp: smtplib.SMTP, mail: Outgoing) -> list[str]:
        """The MAIL FROM options; PermanentDeliveryError when SMTPUTF8 is needed but not offered."""
        if not mail.smtputf8:
            return []
        smtp.ehlo_or_helo_if_needed()
        if not smtp.has_extn("smtputf8"):
            raise PermanentDeliveryError(
                f"{mail.recipient}: non-ASCII characters before the @ need a server that "
                f"offers SMTPUTF8 (RFC 6531), and {self.config.host}:{self.config.port} does "
                "not; send through one that does, or ask the subscriber for an ASCII address")
        return ["SMTPUTF8", "BODY=8BITMIME"] if smtp.has_extn("8bitmime") else ["SMTPUTF8"]

    def close(self) -> None:
        """Say goodbye to the server, if still connected."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def classify(exc: Exception) -> TransientDeliveryError | PermanentDeliveryError:
    """The delivery error for an smtplib / socket failure during sending."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        kind = PermanentDeliveryError if code >= 500 else TransientDeliveryError
        return kind(f"recipient refused: {code} {_text(text)}")
    if isinstance(exc, smtplib.SMTPResponseException):
        kind = PermanentDeliveryError if exc.smtp_code >= 500 else TransientDeliveryError
        return kind(f"server replied {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return TransientDeliveryError(f"the server dropped the connection: {exc}")
    return TransientDeliveryError(f"sending failed: {_reason(exc)}")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__


def make_transport(email: EmailConfig) -> FileTransport | SmtpTransport:
    """The transport jobs.yaml asks for."""
    if email.transport == "smtp":
        return SmtpTransport(email.smtp)
    return FileTransport(email.outbox_dir)
