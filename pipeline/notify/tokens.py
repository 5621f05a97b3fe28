"""Signed tokens for the unsubscribe, preferences and feedback links (itsdangerous).

A token carries the subscriber's id and e-mail, HMAC-signed under the secret in the variable
named by ``web.secret_env`` (``PIPELINE_SECRET``); when it is unset, a random secret is kept in
the database. Set it when the web app and the sender do not share a database, or to rotate it.

The web app checks that the id and the e-mail still belong together. Subscriber tokens never
expire (an old e-mail's unsubscribe link must work); a feedback token also names one posting,
under its own salt; a sign-up's confirmation token expires with the sign-up.
"""

from __future__ import annotations

import os
import secrets as random_secrets

from itsdangerous import (
    BadSignature,
    SignatureExpired,
    Signer,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from pipeline.config import JobsConfig
from pipeline.errors import SubscriberError
from pipeline.store import Store, Subscriber
from pipeline.store.schema import secrets, utcnow

_SALT = "subscriber-link"
_POSTING_SALT = "posting-feedback-link"
_SIGNUP_SALT = "signup-confirm-link"
_SECRET_NAME = "link-signing-key"


def signing_secret(config: JobsConfig, store: Store) -> str:
    """The secret that signs links: from the environment, else generated once in the database."""
    from_env = os.environ.get(config.web.secret_env)
    if from_env:
        return from_env
    with store.engine.begin() as conn:
        found = conn.execute(select(secrets.c.value).where(secrets.c.name == _SECRET_NAME)).first()
        if found:
            return found.value
        try:
            conn.execute(insert(secrets).values(name=_SECRET_NAME, created_at=utcnow(),
                                                value=random_secrets.token_urlsafe(32)))
        except IntegrityError:  # another process created it at the same moment
            pass
    with store.engine.connect() as conn:
        return conn.execute(select(secrets.c.value).where(secrets.c.name == _SECRET_NAME)
                            ).scalar_one()


class LinkSigner:
    """Makes and checks the tokens of one secret."""

    def __init__(self, secret: str):
        self._serializer = URLSafeSerializer(secret, salt=_SALT)
        self._posting_serializer = URLSafeSerializer(secret, salt=_POSTING_SALT)
        self._signup_serializer = URLSafeTimedSerializer(secret, salt=_SIGNUP_SALT)
        self._signer = _signer_of(self._serializer)
        self._posting_signer = _signer_of(self._posting_serializer)
        self.secret = secret

    def token(self, subscriber: Subscriber) -> str:
        """The token naming this subscriber."""
        return _dumps(self._serializer, self._signer, [subscriber.id, subscriber.email])

    def subscriber(self, store: Store, token: str) -> Subscriber:
        """The subscriber a token names; SubscriberError when it is forged, altered or stale."""
        try:
            subscriber_id, email = self._serializer.loads(token)
        except (BadSignature, ValueError, TypeError) as exc:
            raise SubscriberError("this link is not valid (it may have been cut or altered)"
                                  ) from exc
        return self._named(store, subscriber_id, email)

    def posting_token(self, subscriber: Subscriber, posting_id: int) -> str:
        """The token of this subscriber's feedback on one posting."""
        return _dumps(self._posting_serializer, self._posting_signer,
                      [subscriber.id, subscriber.email, posting_id])

    def posting(self, store: Store, token: str) -> tuple[Subscriber, int]:
        """(subscriber, posting id) a feedback token names; SubscriberError like ``subscriber``."""
        try:
            subscriber_id, email, posting_id = self._posting_serializer.loads(token)
        except (BadSignature, ValueError, TypeError) as exc:
            raise SubscriberError("this link is not valid (it may have been cut or altered)"
                                  ) from exc
        if not isinstance(posting_id, int):
            raise SubscriberError("this link is not valid (it may have been cut or altered)")
        return self._named(store, subscriber_id, email), posting_id

    def signup_token(self, signup_id: int, email: str) -> str:
        """The token of a sign-up's confirmation link (it expires, unlike the others)."""
        return self._signup_serializer.dumps([signup_id, email])

    def signup(self, token: str, max_age: float) -> tuple[int, str]:
        """(sign-up id, e-mail) of a confirmation token; SubscriberError when it is forged or
        older than ``max_age`` seconds."""
        try:
            signup_id, email = self._signup_serializer.loads(token, max_age=max_age)
        except SignatureExpired as exc:
            raise SubscriberError("this confirmation link has expired; sign up again") from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise SubscriberError("this link is not valid (it may have been cut or altered)"
                                  ) from exc
        return signup_id, email

    @staticmethod
    def _named(store: Store, subscriber_id, email) -> Subscriber:
        found = store.subscriber_by_id(subscriber_id) if isinstance(subscriber_id, int) else None
        if found is None or found.email != email:
            raise SubscriberError("this link belongs to a subscription that no longer exists")
        return found


def _signer_of(serializer: URLSafeSerializer) -> Signer:
    """The signer ``serializer.dumps`` makes, made once, its key derived once: ``dumps`` makes
    a new signer and derives its key again for every token, and a digest has a token for the
    subscriber and one for each posting in it."""
    made = serializer.make_signer()
    return Signer(made.derive_key(), salt=made.salt, sep=made.sep, key_derivation="none",
                  digest_method=made.digest_method, algorithm=made.algorithm)


def _dumps(serializer: URLSafeSerializer, signer: Signer, value) -> str:
    """``serializer.dumps(value)``, signed by ``signer`` (the same token, byte for byte)."""
    return signer.sign(serializer.dump_payload(value)).decode("utf-8")


def signer_for(config: JobsConfig, store: Store) -> LinkSigner:
    """The signer of this deployment."""
    return LinkSigner(signing_secret(config, store))
