"""The pydantic models of jobs.yaml, and loading it strictly. Every default lives here.

``load_config(path)`` reads the file, resolves relative paths against the file's folder, and
validates it; any problem raises ``ConfigError`` with one line per bad key, naming the file, the key
path (``sources[2].type``), the bad value and what is allowed. Secrets are never written in the
file: a secret key holds ``${ENV_VAR}``, resolved with ``secret()`` when it is used. Checks of
single values live in ``values``, error wording and YAML reading in ``messages``, the keys every
source shares and the registry of each source type's keys in ``sources``, and
``checks.check_ready`` checks the files the config names.

This layer imports no other layer of the pipeline above ``normalize`` and ``posting``: the source
types register their models into ``sources`` (see there).
"""

from __future__ import annotations

import os
import re
from datetime import time
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any, Literal, Union
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pipeline import models
from pipeline.config.messages import allowed_keys, describe_error, read_yaml
from pipeline.config.sources import SourceConfig, source_config, source_types, whole_days
from pipeline.config.values import (  # noqa: F401  (secret: re-exported)
    check_email,
    check_timezone,
    env_reference,
    mailbox_address,
    parse_interval,
    secret,
)
from pipeline.errors import ConfigError
from pipeline.normalize.employment import VOCABULARY, parse_employment_type
from pipeline.posting import Remote

DEFAULT_CONFIG = Path("jobs.yaml")
DEFAULT_DATABASE = "sqlite:///data/jobs.db"
DEFAULT_PROFILE = Path("care_manager")  # a shipped profile: models/care_manager.yaml
DEFAULT_OUTBOX_DIR = Path("out/emails")
DEFAULT_DIGEST_SIZE = 10
DEFAULT_MAX_PER_EMPLOYER = 2
DEFAULT_MIN_SCORE = 0.35
DEFAULT_USER_AGENT = "care-manager-job-alerts/0.1"
DEFAULT_STALE_AFTER_DAYS = 30
DEFAULT_PURGE_REMOVED_AFTER_DAYS = 30
#: Oldest posting a subscriber's first digest holds when their filters set no max_age_days.
FIRST_DIGEST_MAX_AGE_DAYS = 30


class Strict(BaseModel):
    """Base of every config section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class DatabaseConfig(Strict):
    """Where postings, subscribers and the outbox live."""

    url: str = Field(default=DEFAULT_DATABASE, description="SQLAlchemy URL; sqlite paths are "
                     "relative to jobs.yaml")

    @field_validator("url")
    @classmethod
    def _sqlalchemy_url(cls, value: str) -> str:
        """A URL SQLAlchemy can parse; the driver itself is checked when the store opens."""
        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a SQLAlchemy database URL; write e.g. 'sqlite:///data/jobs.db' "
                             "or 'postgresql+psycopg://user@host/dbname'") from exc
        return value

    purge_removed_after_days: int = Field(
        default=DEFAULT_PURGE_REMOVED_AFTER_DAYS, ge=0,
        description="a subscriber taken out of jobs.yaml gets no digests at once; their name, "
                    "resume and settings are deleted after this many days (0: at the next "
                    "command); put back before, they carry on as they were")


class HttpConfig(Strict):
    """How network sources talk to job boards."""

    user_agent: str = DEFAULT_USER_AGENT
    contact: str | None = Field(default=None, description="e-mail or URL put in the User-Agent")
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff: float = Field(default=0.5, ge=0)
    max_retry_after: float = Field(default=60.0, ge=0, description="cap on Retry-After seconds")
    max_body_bytes: int = Field(default=20_000_000, gt=0, description="cap on any one body")
    request_deadline: float = Field(
        default=300.0, gt=0, description="seconds one request may take in all, from its first "
        "hop sent: retries, waits, redirects and every byte of every body")
    allow_private_redirects: bool = Field(
        default=False, description="follow redirects to another host that resolves to a "
        "loopback, private, link-local or reserved address")
    per_host_interval: float = Field(default=0.5, ge=0, description="seconds between requests")
    per_host_concurrency: int = Field(default=2, ge=1)
    concurrency: int = Field(default=16, ge=1, description="sources fetched at once")
    cache_dir: Path | None = Field(default=Path("data/http-cache"),
                                   description="conditional-GET cache; null disables it")


class Filters(Strict):
    """Hard filters applied before ranking; an empty filter lets everything through."""

    remote: list[Remote] = Field(default_factory=list, description="remote, hybrid, onsite")
    states: list[str] = Field(default_factory=list, description="US states or regions")
    cities: list[str] = Field(default_factory=list, description="'Columbus' or 'Columbus, OH'")
    radius_miles: float | None = Field(
        default=None, gt=0, le=500, description="also keep postings within this many miles of "
        "a listed city (US places of 15,000 people or more)")
    min_salary: float | None = Field(default=None, ge=0, description="annualized minimum")
    employment_types: list[str] = Field(default_factory=list, description="full-time, part-time, "
                                        "contract, temporary, per-diem, internship")
    exclude_words: list[str] = Field(default_factory=list)
    exclude_companies: list[str] = Field(default_factory=list)
    max_age_days: int | None = Field(
        default=None, description="only postings posted (else first seen) this many days ago "
        f"or less; a first digest uses {FIRST_DIGEST_MAX_AGE_DAYS} when unset")
    credentials_held: list[str] = Field(
        default_factory=list, description="credentials held (RN, CCM, ...), counted as if the "
        "resume named them")

    _days = field_validator("max_age_days", mode="before")(whole_days)

    @model_validator(mode="after")
    def _radius_needs_cities(self) -> Filters:
        """A radius is drawn around the listed cities, so it needs at least one."""
        if self.radius_miles is not None and not self.cities:
            raise ValueError("radius_miles needs at least one city in cities to measure from")
        return self

    @field_validator("credentials_held")
    @classmethod
    def _credential_codes(cls, values: list[str]) -> list[str]:
        """Codes as the profile writes them ('rn ' -> 'RN'), each once; blanks refused."""
        codes = [value.strip().upper() for value in values]
        if not all(codes):
            raise ValueError("write each credential as its code, like RN or CCM")
        return list(dict.fromkeys(codes))

    def for_first_digest(self) -> Filters:
        """These filters for a subscriber's first digest: at most FIRST_DIGEST_MAX_AGE_DAYS old
        unless ``max_age_days`` says otherwise."""
        if self.max_age_days is not None:
            return self
        return self.model_copy(update={"max_age_days": FIRST_DIGEST_MAX_AGE_DAYS})

    @field_validator("employment_types")
    @classmethod
    def _employment_vocabulary(cls, values: list[str]) -> list[str]:
        """Each type in the postings' vocabulary ('Full Time' -> 'full-time'); others refused."""
        terms = [parse_employment_type(value) for value in values]
        unknown = [value for value, term in zip(values, terms, strict=True) if term is None]
        if unknown:
            raise ValueError(f"unknown employment type {unknown[0]!r}; allowed: "
                             f"{', '.join(VOCABULARY)}")
        return list(dict.fromkeys(term for term in terms if term))


class SubscriberConfig(Strict):
    """A subscriber declared in jobs.yaml (kept in step with the database)."""

    email: str
    name: str | None = None
    resume: Path | None = Field(default=None, description="PDF, DOCX, text or Markdown")
    frequency: Literal["instant", "daily", "weekly"] = "instant"
    send_at: time = Field(default=time(8, 0), description="local time for daily/weekly")
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    timezone: str = "UTC"
    filters: Filters = Field(default_factory=Filters)
    min_score: float | None = Field(default=None, ge=0, le=1)
    digest_size: int = Field(default=DEFAULT_DIGEST_SIZE, ge=1, le=50)
    paused: bool = False
    report: Literal["off", "monthly"] = Field(
        default="off", description="monthly: the first digest of each month links to the "
        "subscriber's skills-gap and pay report")

    _email = field_validator("email")(check_email)
    _tz = field_validator("timezone")(check_timezone)

    @field_validator("send_at", mode="before")
    @classmethod
    def _quoted_time(cls, value: Any) -> Any:
        """YAML reads an unquoted 8:00 as the number 480 (base 60): refuse numbers."""
        if isinstance(value, int | float):
            raise ValueError('write the time in quotes, like send_at: "08:00" (unquoted, YAML '
                             "reads 8:00 as the number 480)")
        if isinstance(value, str) and re.match(r"^\s*\d:\d\d", value):
            return "0" + value.strip()  # '8:00' -> '08:00'
        return value


class ProfileConfig(Strict):
    """The role profile postings are scored against."""

    path: Path = Field(default=DEFAULT_PROFILE, description="a shipped profile's name "
                       "(care_manager) or a .yaml file, relative to jobs.yaml or absolute")


class MatchingConfig(Strict):
    """Ranking settings shared by every subscriber."""

    min_score: float = Field(default=DEFAULT_MIN_SCORE, ge=0, le=1)
    settings: Path | None = Field(default=None, description="tuned weights written by "
                                  "`pipeline tune`; default: <profile>.settings.yaml beside "
                                  "the profile if it exists, else the profile's own")
    labels: Path = Field(default=Path("fixtures/labels.csv"),
                         description="graded postings for `pipeline eval`")


class SmtpConfig(Strict):
    """A real SMTP server."""

    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = Field(default=None, description="${ENV_VAR} holding the login")
    password: str | None = Field(default=None, description="${ENV_VAR} holding the password")
    timeout: float = Field(default=30.0, gt=0, description="seconds to wait for the "
                           "connection and each command's reply")
    data_timeout: float = Field(default=600.0, gt=0, description="seconds to wait for the "
                                "reply once the whole message is sent (RFC 5321: 10 minutes); "
                                "none by then: the digest may have been delivered")

    _secrets = field_validator("username", "password")(env_reference)


class DkimConfig(Strict):
    """DKIM signing of every digest (``notify.dkim_sign``); leave the section out for none."""

    domain: str = Field(description="the signing domain (d=): the From address's domain or a "
                        "parent of it")
    selector: str = Field(description="the key's name in DNS: <selector>._domainkey.<domain>")
    private_key_file: Path | None = Field(default=None, description="PEM RSA private key file "
                                          "(relative to jobs.yaml)")
    private_key: str | None = Field(default=None, description="${ENV_VAR} holding the PEM RSA "
                                    "private key")

    _secret = field_validator("private_key")(env_reference)

    @field_validator("domain", "selector")
    @classmethod
    def _dns_name(cls, value: str) -> str:
        """Dot-separated DNS labels (letters, digits, hyphens), lower-cased."""
        value = value.strip().rstrip(".").lower()
        if not re.match(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]{0,61}"
                        r"[a-z0-9])?)*$", value):
            raise ValueError("not a DNS name; write labels of letters, digits and hyphens "
                             "separated by dots, like 'example.org' or 'alerts2026'")
        return value

    @model_validator(mode="after")
    def _one_key(self) -> DkimConfig:
        if (self.private_key_file is None) == (self.private_key is None):
            raise ValueError("give the key once: private_key_file (a PEM file) or private_key "
                             "(${ENV_VAR} holding the PEM text)")
        return self


class EmailConfig(Strict):
    """How digests are delivered."""

    transport: Literal["file", "smtp"] = "file"
    outbox_dir: Path = Field(default=DEFAULT_OUTBOX_DIR, description="file transport: .eml folder")
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)
    sender: str = Field(default="Care Manager job alerts <alerts@example.org>", alias="from")
    reply_to: str | None = None
    list_id: str = "Care Manager job alerts <care-manager-alerts.example.org>"
    unsubscribe_url: str = Field(default="https://alerts.example.org", validate_default=True,
                                 description="public base URL of `pipeline serve`; your own "
                                 "with transport: smtp")
    unsubscribe_mailto: str | None = Field(default="unsubscribe@example.org",
                                           validate_default=True)
    max_per_employer: int = Field(default=DEFAULT_MAX_PER_EMPLOYER, ge=1)
    send_retries: int = Field(default=2, ge=0, le=10,
                              description="extra tries of a transient failure within one run")
    retry_backoff: float = Field(default=1.0, ge=0, description="seconds before the first "
                                 "in-run retry; doubled on each")
    retry_delay: float = Field(default=300.0, ge=0, description="seconds before a later run "
                               "retries a digest; doubled per attempt, at most 6 hours")
    max_attempts: int = Field(default=12, ge=1, description="transient failures before a "
                              "digest is marked failed")
    claim_ttl: float = Field(default=900.0, gt=0, validate_default=True,
                             description="seconds a relay worker's claim on a digest holds; "
                             "after it a dead worker's digests are taken over")
    dkim: DkimConfig | None = Field(default=None, description="sign digests with DKIM: domain, "
                                    "selector, private_key_file or private_key")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("sender", "reply_to", "unsubscribe_mailto")
    @classmethod
    def _ascii_address(cls, value: str | None) -> str | None:
        """The operator's own addresses: valid, and ASCII, so every mail server takes the digests
        (a subscriber's non-ASCII address is sent with SMTPUTF8 where the server offers it, but
        a non-ASCII From would make every digest need it). Display names may use any letters."""
        if value is None:
            return None
        try:
            address = mailbox_address(value)
        except ValueError as exc:
            raise ValueError(f"{exc}; write 'Name <address@example.org>' or just the "
                             "address") from None
        if not address.isascii():
            raise ValueError(f"{address!r}: write the address in ASCII (a non-ASCII domain in its "
                             "xn-- form, e.g. 'alerts@xn--exmple-cua.org'); the name before it "
                             "may use any letters")
        return value

    @field_validator("unsubscribe_url")
    @classmethod
    def _https_base(cls, value: str) -> str:
        """RFC 8058 one-click needs an HTTPS URL; plain http only for this machine (testing)."""
        parts = urlsplit(value.strip())
        local = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not parts.netloc or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
            raise ValueError(f"{value!r} is not an https:// URL; write the public HTTPS address "
                             "of `pipeline serve`, like 'https://alerts.example.org'")
        return value.strip()

    @field_validator("unsubscribe_url", "unsubscribe_mailto")
    @classmethod
    def _own_address(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Mail that really leaves (smtp) must carry the operator's own unsubscribe addresses:
        the one-click URL is required (RFC 8058), the mailto optional (null for none)."""
        if value is None or info.data.get("transport") != "smtp":
            return value
        host = urlsplit(value).hostname if info.field_name == "unsubscribe_url" \
            else parseaddr(value)[1].rpartition("@")[2]
        if not _placeholder(host or ""):
            return value
        if info.field_name == "unsubscribe_url":
            raise ValueError(f"{host!r} is a placeholder domain, reserved for examples; with "
                             "transport: smtp, subscribers unsubscribe there: write the "
                             "public HTTPS address of your `pipeline serve`, like "
                             "'https://alerts.yourdomain.org'")
        raise ValueError(f"{host!r} is a placeholder domain, reserved for examples; with "
                         "transport: smtp, write your own mailbox for unsubscribe requests, "
                         "or null for none (the one-click unsubscribe_url is enough)")

    @field_validator("claim_ttl")
    @classmethod
    def _claim_outlasts_a_try(cls, value: float, info: ValidationInfo) -> float:
        """A relay's claim must outlast one try's waits, or a live relay's digest would be
        taken over (and counted as maybe delivered) while it waits for the server's reply."""
        smtp = info.data.get("smtp")
        if info.data.get("transport") != "smtp" or smtp is None:
            return value
        longest = smtp.timeout + smtp.data_timeout
        if value <= longest:
            raise ValueError(f"{value:g} seconds is not longer than one try may wait "
                             f"(smtp.timeout {smtp.timeout:g} + smtp.data_timeout "
                             f"{smtp.data_timeout:g} = {longest:g}); raise claim_ttl above "
                             f"{longest:g} or lower those timeouts")
        return value


#: Domains reserved for examples (RFC 2606, RFC 6761): no real mailbox or page lives there.
PLACEHOLDER_DOMAINS = ("example.com", "example.net", "example.org", "example", "invalid")


def _placeholder(host: str) -> bool:
    """Whether a host name is, or is under, a domain reserved for examples."""
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in PLACEHOLDER_DOMAINS)


class SignupConfig(Strict):
    """`pipeline serve`'s public sign-up page (double opt-in)."""

    enabled: bool = Field(default=False, description="serve the sign-up page at /signup")
    allowed_domains: list[str] = Field(default_factory=list, description="only addresses at "
                                       "these domains may sign up; empty: any")
    per_ip: str = Field(default="5 per hour", description="sign-ups one IP address may post, "
                        "like '5 per hour' or '20/day'")
    expire_hours: float = Field(default=48, gt=0, description="an unconfirmed sign-up is "
                                "purged after this; until then its address gets no second "
                                "confirmation message")
    max_upload_mb: float = Field(default=5, gt=0, le=50, description="largest form (resume "
                                 "included) accepted")

    @field_validator("per_ip")
    @classmethod
    def _rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate; write it like '5 per hour' or "
                             "'20/day'") from exc
        return value

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, values: list[str]) -> list[str]:
        return [value.strip().lower().lstrip("@") for value in values]


class WebConfig(Strict):
    """`pipeline serve`: the one-click unsubscribe, preferences, feedback and sign-up pages."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    secret_env: str = Field(default="PIPELINE_SECRET", description="environment variable "
                            "holding the secret that signs unsubscribe links; when unset, a "
                            "random secret is generated once and kept in the database")
    signup: SignupConfig = Field(default_factory=SignupConfig)


class ScheduleConfig(Strict):
    """`pipeline schedule`: how often digests are checked, and the default source schedule."""

    digests_every: str = Field(default="15m", description="how often due digests are queued "
                               "and sent: '15m', '1h'")
    sources_every: str = Field(default="6h", description="for a source without a schedule")
    misfire_grace: str = Field(default="30m", description="a job missed by less than this "
                               "still runs (once) when the scheduler is back")
    timezone: str = Field(default="UTC", description="the zone every source's cron: is read "
                          "in, like 'America/Chicago'")
    lease_ttl: str = Field(default="90s", description="how long a lease (a worker, a job, a "
                           "source being fetched, the run lock) outlives its holder's last "
                           "heartbeat before another process takes it over")
    unsubscribe_mail: Path | None = Field(
        default=None, description="the Maildir folder or mbox file email.unsubscribe_mailto is "
        "delivered to; its unsubscribe requests are processed every digests_every")

    _tz = field_validator("timezone")(check_timezone)

    @field_validator("digests_every", "sources_every", "misfire_grace", "lease_ttl")
    @classmethod
    def _interval(cls, value: str) -> str:
        """A number and a unit, as a source's ``schedule.every``."""
        parse_interval(value)
        return value


class PostingsConfig(Strict):
    """How stored postings close when their board stops showing them."""

    stale_after_days: int = Field(
        default=DEFAULT_STALE_AFTER_DAYS,
        description="a posting its source has not shown for this many days is closed (when "
                    "that source is fetched successfully); a source's own stale_after_days "
                    "overrides it")

    _days = field_validator("stale_after_days", mode="before")(whole_days)


class JobsConfig(Strict):
    """The whole of jobs.yaml."""

    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    profile: ProfileConfig = Field(default_factory=ProfileConfig)
    http: HttpConfig = Field(default_factory=HttpConfig)
    sources: list[SourceConfig] = Field(default_factory=list, description="each entry is "
                                        "validated by its type's model (``source_config``)")
    subscribers: list[SubscriberConfig] = Field(default_factory=list)
    matching: MatchingConfig = Field(default_factory=MatchingConfig)
    email: EmailConfig = Field(default_factory=EmailConfig)
    web: WebConfig = Field(default_factory=WebConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    postings: PostingsConfig = Field(default_factory=PostingsConfig)

    #: Folder of the config file; relative paths are resolved against it.
    base_dir: Path = Field(default=Path("."), exclude=True)
    path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_names(self) -> JobsConfig:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        emails = [s.email for s in self.subscribers]
        dupes = sorted({e for e in emails if emails.count(e) > 1})
        if dupes:
            raise ValueError(f"subscriber e-mails must be unique; repeated: {', '.join(dupes)}")
        return self

    @model_validator(mode="after")
    def _dkim_alignment(self) -> JobsConfig:
        """DMARC passes on DKIM only when the From domain is the signing domain or below it."""
        dkim = self.email.dkim
        sender = parseaddr(self.email.sender)[1].rpartition("@")[2].lower()
        if dkim and sender != dkim.domain and not sender.endswith("." + dkim.domain):
            raise ValueError(f"email.dkim.domain: {dkim.domain!r} does not cover the From "
                             f"address's domain {sender!r} (email.from); receivers check that "
                             "the From domain is the DKIM domain or a subdomain of it, so sign "
                             f"with d={sender or 'the From domain'} or send from that domain")
        return self

    def resolve(self, path: Path | None) -> Path | None:
        """A path from the config, made absolute against the config file's folder."""
        if path is None:
            return None
        path = Path(os.path.expanduser(path))
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved against the config folder."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.resolve(Path(url[len(prefix):])))
        return url


def load_config(path: Path | str = DEFAULT_CONFIG) -> JobsConfig:
    """Read and validate jobs.yaml; raise ConfigError that says exactly what is wrong."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(
            f"{path}: no such config file. Create one with `pipeline init {path}` "
            "(a commented example), or pass --config FILE."
        )
    data = _whole_file(path, read_yaml(path))
    # A section left empty (`subscribers:` with every entry commented out) takes its defaults.
    data = {key: value for key, value in data.items() if value is not None}
    config = parse_config(data, base_dir=path.resolve().parent, path=path)
    if not config.sources:
        raise ConfigError(f"{path}: sources: no sources listed (is the file complete?); "
                          "nothing was changed. List at least one source, e.g. "
                          "'- {name: my-postings, type: files, path: postings}'")
    return config


def _whole_file(path: Path, data: Any) -> dict:
    """The parsed file when it is a mapping; ConfigError otherwise. With the check for sources
    in ``load_config``, an empty, blank, comment-only or truncated jobs.yaml never reads as
    "no subscribers" (which a sync would act on)."""
    sections = ", ".join(allowed_keys(JobsConfig))
    if data is None:
        raise ConfigError(f"{path}: the file is empty (or only comments); nothing was changed. "
                          f"Write its sections ({sections}), or create an example with "
                          f"`pipeline init NEW-FILE`")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections ({sections}); "
                          f"got {type(data).__name__}; nothing was changed")
    return data


def parse_config(data: dict, base_dir: Path, path: Path | None = None) -> JobsConfig:
    """Validate an already-parsed config mapping."""
    try:
        config = _validating_model(data.get("sources")).model_validate(data)
    except ValidationError as exc:
        lines = [describe_error(error, data, JobsConfig) for error in exc.errors()]
        where = str(path) if path else "config"
        raise ConfigError(f"{where}: " + ("\n" + where + ": ").join(lines)) from exc
    config.base_dir = base_dir
    config.path = path
    _resolve_paths(config)
    return config


_MODELS: dict[tuple[type[SourceConfig], ...], type[JobsConfig]] = {}


def _validating_model(sources: Any) -> type[JobsConfig]:
    """``JobsConfig`` whose ``sources`` entries are validated by their ``type``'s model: the
    models of the registered types ``sources`` names (all of them when it names none), so only
    those are loaded; an entry of another type is refused as before (``describe_error`` lists
    every type)."""
    named = {entry.get("type") for entry in sources if isinstance(entry, dict) and isinstance(
        entry.get("type"), str)} if isinstance(sources, list) else set()
    kinds = [kind for kind in source_types() if kind in named] or source_types()
    configs = tuple(source_config(kind) for kind in kinds)
    if configs not in _MODELS:
        union = configs[0] if len(configs) == 1 else Union[configs]  # noqa: UP007
        entry = Annotated[union, Field(discriminator="type")]
        _MODELS[configs] = create_model(
            "JobsConfig", __base__=JobsConfig, __module__=__name__,
            sources=(list[entry], Field(default_factory=list)))  # type: ignore[valid-type]
    return _MODELS[configs]


def _profile_file(config: JobsConfig) -> Path:
    """The file ``profile.path`` names: a shipped profile by name, else a path."""
    value = config.profile.path
    if len(value.parts) > 1 or value.suffix.lower() in (".yaml", ".yml"):
        return config.resolve(value)
    shipped = models.profile_file(str(value))
    if shipped is None:
        where = str(config.path) if config.path else "config"
        raise ConfigError(f"{where}: profile.path: no shipped profile named {str(value)!r}; "
                          f"shipped: {', '.join(models.profile_names())}; or give a .yaml "
                          "file (relative to jobs.yaml, or absolute)")
    return shipped


def _resolve_paths(config: JobsConfig) -> None:
    """Make every path in the config absolute against the config folder."""
    config.profile.path = _profile_file(config)
    config.matching.labels = config.resolve(config.matching.labels)
    config.matching.settings = config.resolve(config.matching.settings)
    config.email.outbox_dir = config.resolve(config.email.outbox_dir)
    if config.email.dkim is not None:
        config.email.dkim.private_key_file = config.resolve(config.email.dkim.private_key_file)
    config.http.cache_dir = config.resolve(config.http.cache_dir)
    config.schedule.unsubscribe_mail = config.resolve(config.schedule.unsubscribe_mail)
    for subscriber in config.subscribers:
        subscriber.resume = config.resolve(subscriber.resume)
    for source in config.sources:
        for field, value in source:
            if isinstance(value, Path):
                setattr(source, field, config.resolve(value))
