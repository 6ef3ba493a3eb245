"""Polling with a bound: wait_until(condition) returns its first truthy value or fails saying what it
waited for, for how long, and (from `failed`) why it can stop waiting early."""

import signal
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError):
    """A wait ran out of time, or what it waited on can no longer happen (a container exited).
    An AssertionError, so pytest reports it as a failed test with its message."""


def wait_until(condition: Callable[[], T], timeout: float, *, what: str, interval: float = 0.05,
               ignore: tuple[type[BaseException], ...] = (),
               failed: Callable[[], str | None] | None = None,
               details: Callable[[], str] | None = None) -> T:
    """Calls condition() every `interval` s until it returns something truthy, which it returns.

    ignore: exceptions that mean "not yet" (e.g. OSError while a server is not listening);
    failed: called each round; a message from it ends the wait at once (the thing waited on exited);
    details: text added to the timeout message (e.g. a container's logs).
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            if value := condition():
                return value
        except ignore:
            pass
        if failed is not None and (reason := failed()):
            raise WaitTimeout(f"{what}: gave up: {reason}")
        if time.monotonic() >= deadline:
            extra = f"\n{details()}" if details is not None else ""
            raise WaitTimeout(f"{what}: not within {timeout:g} s{extra}")
        time.sleep(interval)


def exited(process: subprocess.Popen) -> str | None:
    """For wait_until's `failed`: None while the process runs, else its exit code in words."""
    code = process.poll()
    return None if code is None else f"process {process.pid} exited with {code}"


def stop_process(process: subprocess.Popen, timeout: float) -> int | None:
    """SIGTERM (unless it has exited), then its exit code within `timeout` s; one that hangs is killed
    (SIGKILL) and None returned."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None
