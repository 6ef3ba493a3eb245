"""HTTP for tests and the benchmark, with urllib and timeouts on every call: request() answers any status,
get_json/post_json for the usual calls, wait_http() until a server answers, and serve_in_thread()."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from socketserver import BaseServer
from typing import Any, NamedTuple

from tests.support.wait import wait_until


class Reply(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(method: str, url: str, body: Any = None, *, raw: bytes | None = None,
            content_type: str = "application/json", timeout: float = 10) -> Reply:
    """(status, headers, body) for any status: 4xx/5xx are answers here, not exceptions. `body` is sent as
    JSON, `raw` as it is; connection errors (OSError, URLError) propagate."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = {"Content-Type": content_type} if data is not None else {}
    prepared = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def _ok_json(reply: Reply, method: str, url: str) -> Any:
    if not 200 <= reply.status < 300:
        raise AssertionError(f"{method} {url} answered {reply.status}: {reply.body[:500]!r}")
    return reply.json()


def get_json(url: str, timeout: float = 10) -> Any:
    """The JSON document a GET answers with; a non-2xx status fails with the body."""
    return _ok_json(request("GET", url, timeout=timeout), "GET", url)


def post_json(url: str, body: Any, timeout: float = 10) -> Any:
    """The JSON document a POST of `body` (as JSON) answers with; a non-2xx status fails with the body."""
    return _ok_json(request("POST", url, body, timeout=timeout), "POST", url)


def wait_http(url: str, timeout: float, *, status: int | None = 200, interval: float = 0.05,
              failed: Callable[[], str | None] | None = None,
              details: Callable[[], str] | None = None) -> float:
    """Polls GET url until it answers `status` (None: any status); returns when (time.monotonic()).
    Refused or dropped connections mean "not yet" (docker-proxy accepts, then drops, until the container
    listens); `failed` and `details` as in wait_until."""

    def answered() -> float | None:
        got = request("GET", url, timeout=min(2.0, timeout)).status
        return time.monotonic() if status is None or got == status else None

    return wait_until(answered, timeout, what=f"GET {url} answering {status or 'anything'}",
                      interval=interval, ignore=(OSError,), failed=failed, details=details)


@contextmanager
def serve_in_thread(server: BaseServer, join_timeout: float = 10) -> Iterator[str]:
    """Runs an HTTP server bound to 127.0.0.1 in a daemon thread; yields its base URL, then stops it."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=join_timeout)
