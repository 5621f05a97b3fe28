"""Signed subscriber links: unforgeable, bound to one subscriber, secret from env or database."""

from __future__ import annotations

import pytest
from notify_support import add_subscribers, make_config, open_store

from pipeline.errors import SubscriberError
from pipeline.notify.tokens import LinkSigner, signer_for, signing_secret


def test_token_names_its_subscriber_and_only_that_one(folder):
    store = open_store(make_config(folder))
    first, second = add_subscribers(store, 2)
    signer = LinkSigner("s3cret")
    assert signer.subscriber(store, signer.token(first)).email == first.email
    token = signer.token(first)
    payload, signature = token.rsplit(".", 1)
    forged = signer.token(second).rsplit(".", 1)[0] + "." + signature
    for bad in (forged, payload + ".x", "garbage", LinkSigner("other").token(first)):
        with pytest.raises(SubscriberError, match="not valid"):
            signer.subscriber(store, bad)


def test_token_of_a_removed_subscriber_is_refused_even_if_the_id_returns(folder):
    store = open_store(make_config(folder))
    [first] = add_subscribers(store, 1)
    signer = LinkSigner("s3cret")
    token = signer.token(first)
    store.purge_subscriber(first.email)
    with pytest.raises(SubscriberError, match="no longer exists"):
        signer.subscriber(store, token)


def test_secret_from_environment_else_generated_once(folder, monkeypatch):
    config = make_config(folder)
    store = open_store(config)
    monkeypatch.delenv("PIPELINE_SECRET", raising=False)
    generated = signing_secret(config, store)
    assert len(generated) >= 32 and signing_secret(config, open_store(config)) == generated
    monkeypatch.setenv("PIPELINE_SECRET", "from-env")
    assert signing_secret(config, store) == "from-env"
    [sub] = add_subscribers(store, 1)
    assert LinkSigner("from-env").subscriber(store, signer_for(config, store).token(sub))


def test_tokens_are_those_itsdangerous_dumps_makes(folder):
    """Links in digests already mailed must keep working: each token is byte for byte what
    ``URLSafeSerializer.dumps`` gives under the same secret and salt, and reads back."""
    from itsdangerous import URLSafeSerializer

    config = make_config(folder)
    store = open_store(config)
    links = LinkSigner("a-secret")
    for subscriber in add_subscribers(store, 3):
        assert links.token(subscriber) == URLSafeSerializer(
            "a-secret", salt="subscriber-link").dumps([subscriber.id, subscriber.email])
        for posting_id in (1, 12345, 2**40):
            token = links.posting_token(subscriber, posting_id)
            assert token == URLSafeSerializer("a-secret", salt="posting-feedback-link").dumps(
                [subscriber.id, subscriber.email, posting_id])
            assert links.posting(store, token) == (subscriber, posting_id)
        assert links.subscriber(store, links.token(subscriber)) == subscriber
