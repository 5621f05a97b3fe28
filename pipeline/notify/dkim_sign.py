"""DKIM signatures (RFC 6376) on outgoing digests, made with dkimpy.

``email.dkim`` in jobs.yaml names a signing domain, a selector and an RSA private key (a PEM file,
or PEM text in an environment variable); the key is read when a signer is loaded, never stored.

    load_signer(config)      the configured signer, key read and test-signed once, or None
    DkimSigner.sign(raw)     raw bytes with a DKIM-Signature (relaxed/relaxed) over SIGNED_HEADERS
    DkimSigner.dns_record()  the TXT record to publish: (name, value)

The relay signs the exact bytes it hands to the transport, on every try. A bad key raises
``ConfigError`` naming the key and how to make a good one.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP

from pipeline.config import DkimConfig, JobsConfig, secret
from pipeline.config.values import env_name
from pipeline.errors import ConfigError

#: Headers signed when the message has them (List-Unsubscribe-Post: RFC 8058 one-click).
SIGNED_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                  "Content-Type", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id",
                  "Reply-To")
#: Receivers ignore shorter RSA keys (RFC 8301); 2048 bits is what to generate.
MIN_KEY_BITS = 1024
HOW_TO_CREATE = ("create one with `openssl genrsa -out dkim.pem 2048` and publish its public key "
                 "in DNS (`pipeline dkim` prints the record)")
_RSA_OID = bytes.fromhex("06092a864886f70d010101")  # rsaEncryption, 1.2.840.113549.1.1.1
_PEM_LABEL = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")


@dataclass(frozen=True)
class DkimSigner:
    """Signs messages as ``domain`` with the key published at ``selector._domainkey.domain``."""

    domain: str
    selector: str
    key: bytes = field(repr=False)

    def sign(self, raw: bytes) -> bytes:
        """``raw`` (a flattened message, CRLF line ends, unsigned) with a DKIM-Signature header
        (relaxed/relaxed) prepended; the transports send exactly these bytes."""
        import dkim  # dkimpy (and its crypto): loaded only where DKIM is configured

        present = BytesHeaderParser(policy=SMTP).parsebytes(raw)
        wanted = [name.lower().encode() for name in SIGNED_HEADERS if name in present]
        header = dkim.sign(raw, self.selector.encode(), self.domain.encode(), self.key,
                           canonicalize=(b"relaxed", b"relaxed"), include_headers=wanted,
                           linesep=b"\r\n")
        return header + raw

    def dns_record(self) -> tuple[str, str]:
        """(name, value) of the TXT record that publishes the public key."""
        from dkim.crypto import parse_pem_private_key

        key = parse_pem_private_key(self.key)
        public = _der(0x30, _der_int(key["modulus"]) + _der_int(key["publicExponent"]))
        spki = _der(0x30, _der(0x30, _RSA_OID + b"\x05\x00") + _der(0x03, b"\x00" + public))
        return (f"{self.selector}._domainkey.{self.domain}",
                f"v=DKIM1; k=rsa; p={base64.b64encode(spki).decode('ascii')}")


def load_signer(config: JobsConfig) -> DkimSigner | None:
    """The signer ``email.dkim`` asks for, None without one; ConfigError when the key is bad."""
    settings = config.email.dkim
    if settings is None:
        return None
    key, where = _read_key(settings)
    _check_key(key, where)
    signer = DkimSigner(settings.domain, settings.selector, key)
    _test_sign(signer, where)
    return signer


def _read_key(settings: DkimConfig) -> tuple[bytes, str]:
    """The PEM bytes of the key, and how to name it in messages."""
    if settings.private_key_file is None:
        text = secret(settings.private_key, "email.dkim.private_key") or ""
        where = f"email.dkim.private_key ({settings.private_key})"
        # An environment variable often carries the PEM with literal \n or CRLF line ends.
        text = text.replace("\\n", "\n").replace("\r\n", "\n").strip() + "\n"
        return text.encode("utf-8", "replace"), where
    path = settings.private_key_file
    where = f"email.dkim.private_key_file {str(path)!r}"
    if not path.is_file():
        state = "not a file" if path.exists() else "no such file"
        raise ConfigError(f"{where}: {state} (relative paths start at the folder of "
                          f"jobs.yaml); {HOW_TO_CREATE}")
    try:
        return path.read_bytes().replace(b"\r\n", b"\n"), where
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read it: {exc.strerror}; let the user running "
                          f"the pipeline read it (chmod 600, owned by that user)") from exc


def _check_key(key: bytes, where: str) -> None:
    """ConfigError unless ``key`` is an unencrypted PEM RSA private key of a usable size."""
    from dkim.crypto import UnparsableKeyError, parse_pem_private_key

    label = _PEM_LABEL.search(key)
    if label is None:
        raise ConfigError(f"{where}: not a PEM key (no '-----BEGIN ... PRIVATE KEY-----' "
                          f"line); {HOW_TO_CREATE}")
    kind = label.group(1).decode("ascii")
    if "ENCRYPTED" in kind or b"Proc-Type: 4,ENCRYPTED" in key:
        raise ConfigError(f"{where}: the key is encrypted with a passphrase; write an "
                          "unencrypted copy with `openssl rsa -in KEY -out dkim.pem` and keep "
                          "it readable only by the pipeline's user")
    try:
        bits = parse_pem_private_key(key)["modulus"].bit_length()
    except (UnparsableKeyError, ValueError, IndexError) as exc:
        raise ConfigError(f"{where}: not an RSA private key (found '{kind}'); digests are "
                          f"signed with rsa-sha256: {HOW_TO_CREATE}") from exc
    if bits < MIN_KEY_BITS:
        raise ConfigError(f"{where}: a {bits}-bit RSA key; receivers ignore DKIM keys under "
                          f"{MIN_KEY_BITS} bits: {HOW_TO_CREATE}")


def _test_sign(signer: DkimSigner, where: str) -> None:
    """Sign a small message and verify it against the key's own public record."""
    import dkim

    message = EmailMessage()
    message["From"] = f"check@{signer.domain}"
    message["Subject"] = "DKIM key check"
    message.set_content("This message checks the DKIM key; it is never sent.\n")
    name, record = signer.dns_record()
    try:
        signed = signer.sign(message.as_bytes(policy=SMTP))
    except dkim.DKIMException as exc:
        raise ConfigError(f"{where}: the key cannot sign: {exc}; {HOW_TO_CREATE}") from exc

    def lookup(qname: bytes, timeout: int = 5) -> bytes | None:
        return record.encode() if qname.decode().rstrip(".") == name else None

    if not dkim.verify(signed, dnsfunc=lookup):
        raise ConfigError(f"{where}: a test signature made with the key does not verify with "
                          f"its own public key; {HOW_TO_CREATE}")


def _der(tag: int, body: bytes) -> bytes:
    """One DER element: tag, definite length, body.

    Written here because nothing installed does it: dkimpy parses keys but its ``asn1_build``
    encodes no INTEGER or BIT STRING and its ``asn1_length`` fails past 126 bytes (a 2048-bit
    modulus is 257), its ``dknewkey`` runs the openssl program, and the stdlib has no DER
    writer; ``cryptography`` would be a large dependency for these lines.
    """
    size = len(body)
    if size < 0x80:
        return bytes([tag, size]) + body
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _der_int(value: int) -> bytes:
    """A non-negative DER INTEGER (a leading zero byte keeps the top bit clear)."""
    return _der(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def check_signing_key(config: JobsConfig) -> None:
    """ConfigError when ``email.dkim``'s key cannot be read or cannot sign; nothing without one,
    or while its environment variable is unset (``check_secrets`` says so)."""
    if config.email.dkim is None or env_key_unset(config):
        return
    try:
        load_signer(config)
    except ConfigError as exc:
        where = str(config.path) if config.path else "config"
        raise ConfigError(f"{where}: {exc}") from exc


def env_key_unset(config: JobsConfig) -> bool:
    """True when the key comes from an environment variable that is not set (yet)."""
    settings = config.email.dkim
    if settings is None or settings.private_key is None:
        return False
    name = env_name(settings.private_key)
    return name is not None and name not in os.environ
