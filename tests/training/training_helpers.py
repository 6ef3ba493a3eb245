"""Shared by the training tests: run the CLI, pin the training revision, serve files on 127.0.0.1."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support.http import serve_in_thread

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXED_REVISION = "test-revision-0123456789"


def run_training(
    *args: str, env: dict[str, str] | None = None, timeout: float = 180,
) -> subprocess.CompletedProcess:
    """`python -m training ARGS` from the repo root; captures output, never raises on failure."""
    return subprocess.run(
        [sys.executable, "-m", "training", *args], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})}, check=False,
    )


def pinned_revision_env() -> dict[str, str]:
    """Makes `git rev-parse` fail so training falls back to GIT_REVISION: other people commit while
    tests run, and a moving HEAD would change model.json between two runs."""
    return {"GIT_DIR": "/nonexistent-git-dir-for-tests", "GIT_REVISION": FIXED_REVISION}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serves `root` over HTTP on 127.0.0.1 (an ephemeral port); yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    with serve_in_thread(http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler), join_timeout=5) as url:
        yield url
