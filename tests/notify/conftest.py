"""Fixtures of the notifier tests: a real SMTP server (aiosmtpd) on 127.0.0.1 and a work folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from notify_support import Recorder, free_port


@pytest.fixture
def smtp_server():
    """A running SMTP server on 127.0.0.1; yields (recorder, port)."""
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def folder(tmp_path) -> Path:
    """A temporary working folder."""
    return tmp_path
