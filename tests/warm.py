"""Processes of the long-running commands (``pipeline schedule``, a relay) without each paying
for its imports: ``popen([...])`` takes what ``subprocess.Popen`` takes in these tests and gives
what they use of it (pid, poll, wait, communicate, send_signal, kill, returncode, stdout and
stderr pipes), for ``["-m", "pipeline", ...]`` or ``["-c", code, ...]`` (sys.executable's
arguments).

Each child is a process of its own, with its own pid, signal handlers, exit code and pipes, that a
test may stop, signal or kill like any: it is forked by multiprocessing's fork server, one per test
process, which has imported ``PRELOAD`` first: the modules these commands import anyway (~1 CPU s
of each start). Never the ranking libraries (scikit-learn, SciPy, pandas): tests check that a
worker with nothing to rank does not load them. A test whose command ranks, and that does not
look at what its process loads, asks for ``popen(..., ranking=True)``: a second fork server,
which has imported ``RANKING`` too (~1.5 CPU s of each such start); such tests are marked
``xdist_group(RANKING_GROUP)``, so that one xdist worker starts that server, not each. A
command's own start (its console script, ``python -m pipeline``'s imports) is what
tests/cli/test_start.py and tests/test_install.py check in fresh interpreters. ``stop()``
(tests/conftest.py, at the end of the session) ends the fork servers and waits for them, so the
CPU time of every child is counted in the test process's.
"""

from __future__ import annotations

import multiprocessing
import os
import runpy
import subprocess
import sys
import threading
import time
from multiprocessing import forkserver, popen_forkserver, reduction, resource_tracker

#: What ``pipeline schedule`` and a relay import before their first job, and what their first
#: jobs import: a database's schema made or checked (Alembic, both drivers), a feed fetched
#: (requests, feedparser, lxml, dateutil): ~0.3 CPU s of each child otherwise. Nothing more.
PRELOAD = ["warm", "pipeline.cli", "pipeline.cli.service", "pipeline.run",
           "pipeline.service.scheduler", "pipeline.stages.fetch", "pipeline.notify.relay",
           "pipeline.http", "pipeline.sources.rss", "pipeline.sources.remotive",
           "alembic.config", "alembic.script", "alembic.runtime.migration",
           "alembic.runtime.environment", "alembic.op", "sqlalchemy.dialects.sqlite",
           "sqlalchemy.dialects.postgresql.psycopg", "psycopg", "feedparser", "lxml.html",
           "dateutil.parser", "xml.sax.expatreader", "apscheduler.triggers.date"]
#: What a command that ranks postings imports as well: the matcher and scikit-learn's TF-IDF.
RANKING = [*PRELOAD, "pipeline.cli.stages", "pipeline.match.kept", "pipeline.match.matcher",
           "sklearn.feature_extraction.text"]

#: The pytest-xdist group of the tests using the ``RANKING`` server.
RANKING_GROUP = "ranking-fork-server"

_STARTED = []
#: The second fork server (``RANKING`` preloaded), once started.
_RANKING_SERVER: list[forkserver.ForkServer] = []


def _context():
    if not _STARTED:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        _STARTED.append(context)
    return _STARTED[0]


def _ranking_server() -> forkserver.ForkServer:
    if not _RANKING_SERVER:
        server = forkserver.ForkServer()
        server.set_forkserver_preload(RANKING)
        _RANKING_SERVER.append(server)
    return _RANKING_SERVER[0]


class _RankingPopen(popen_forkserver.Popen):
    """multiprocessing's fork-server start, asking the ``RANKING`` server rather than the
    module's own (which ``popen_forkserver`` looks up when a process starts)."""

    def _launch(self, process_obj):
        own = forkserver.connect_to_new_process
        forkserver.connect_to_new_process = _ranking_server().connect_to_new_process
        try:
            super()._launch(process_obj)
        finally:
            forkserver.connect_to_new_process = own


class _RankingProcess(multiprocessing.context.ForkServerProcess):
    """A process forked by the ``RANKING`` fork server."""

    @staticmethod
    def _Popen(process_obj):
        return _RankingPopen(process_obj)


class _Fd:
    """A file descriptor handed to the child (duplicated into it through the fork server)."""

    def __init__(self, fd: int):
        self.fd = fd

    def __reduce__(self):
        return _detach, (reduction.DupFd(self.fd),)


def _detach(dup) -> int:
    return dup.detach()


def _child(argv: list[str], cwd: str, env: dict, out: int, err: int) -> None:
    """In the child: stdout and stderr on the given descriptors, then run ``argv`` as Python
    would (``-m module`` or ``-c code``); its SystemExit is the process's exit code."""
    for fd, target in ((out, 1), (err, 2)):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    if argv[0] == "-m":
        sys.argv = [argv[1], *argv[2:]]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = ["-c", *argv[2:]]
        exec(compile(argv[1], "<string>", "exec"), {"__name__": "__main__"})


class WarmPopen:
    """A forked child running ``args`` (the arguments after ``sys.executable``)."""

    def __init__(self, args, cwd=None, env=None, stdout=None, stderr=None, text=False,
                 ranking=False):
        self.args = list(args)
        reads, fds = [], []
        for spec, inherited in ((stdout, 1), (stderr, 2)):
            if spec is subprocess.PIPE:
                read, write = os.pipe()
                reads.append(read)
                fds.append(write)
            else:
                reads.append(None)
                fds.append(os.open(os.devnull, os.O_WRONLY) if spec is subprocess.DEVNULL
                           else os.dup(inherited if spec is None else spec.fileno()))
        self._process = (_RankingProcess if ranking else _context().Process)(
            target=_child, daemon=True,
            args=(self.args, str(cwd or os.getcwd()),
                  dict(os.environ if env is None else env), *(_Fd(fd) for fd in fds)))
        try:
            self._process.start()
        finally:
            for fd in fds:
                os.close(fd)
        self.pid = self._process.pid
        self.stdout, self.stderr = (None if read is None else open(read, "r" if text else "rb")
                                    for read in reads)
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._process.exitcode
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self.poll() is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(15)

    def kill(self) -> None:
        self.send_signal(9)

    def communicate(self, timeout: float | None = None):
        """Read stdout and stderr to their ends, and wait for the exit (as Popen's does)."""
        read = {}
        streams = {name: s for name, s in (("out", self.stdout), ("err", self.stderr)) if s}
        readers = [threading.Thread(target=lambda n, s: read.__setitem__(n, s.read()),
                                    args=item, daemon=True) for item in streams.items()]
        for reader in readers:
            reader.start()
        deadline = None if timeout is None else time.monotonic() + timeout
        for reader in readers:
            reader.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if reader.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout)
        self.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        for stream in streams.values():
            stream.close()
        return read.get("out"), read.get("err")


def popen(args, **options) -> WarmPopen:
    """``subprocess.Popen([sys.executable, *args], **options)``, forked from the warm server
    (``ranking=True``: from the one that has the ranking libraries loaded too)."""
    return WarmPopen(args, **options)


def stop() -> None:
    """End the fork servers that were started, and the resource tracker they started; wait for
    them (and so for their children's CPU time to be counted)."""
    for server in _RANKING_SERVER:
        server._stop()
    if _STARTED:
        forkserver._forkserver._stop()
    if _STARTED or _RANKING_SERVER:
        resource_tracker._resource_tracker._stop()
    _STARTED.clear()
    _RANKING_SERVER.clear()
