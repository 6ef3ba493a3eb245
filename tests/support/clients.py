"""Client threads posting known notes to the endpoint through a deploy, each answer "ok", "wrong" or
"failed: ...": the rollback tests (tests/k8s/test_rollback.py, tests/flow/test_site.py) count them."""

import json
import ssl
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# Real rows of the data set with their labels (as roles/verify/defaults/main.yml's verify_notes).
NOTES = [({"variance": 3.6216, "skewness": 8.6661, "curtosis": -2.8073, "entropy": -0.44699}, 0),
         ({"variance": -1.3971, "skewness": 3.3191, "curtosis": -1.3927, "entropy": -1.9948}, 1)]


def post_note(url: str, body: dict, ca_file: Path | None = None, timeout: float = 10) -> dict:
    """POST /predict. Over HTTPS with ca_file: trusting only that CA (verification never skipped); without
    it the certificate is not checked (the load counts answers; checking it is the verify role's job)."""
    prepared = urllib.request.Request(f"{url}/predict", data=json.dumps(body).encode(), method="POST",
                                      headers={"Content-Type": "application/json"})
    context = None
    if url.startswith("https") and ca_file:
        context = ssl.create_default_context(cafile=str(ca_file))
    elif url.startswith("https"):
        context = ssl._create_unverified_context()
    with urllib.request.urlopen(prepared, timeout=timeout, context=context) as response:
        return json.loads(response.read())


@dataclass
class Clients:
    """`threads` clients posting NOTES over fresh connections, `pause` seconds apart, bounded at
    `max_seconds`; results: (time, "ok" | "wrong" | "failed: ..."). A context manager: the clients run
    `settle` seconds before the body and after it."""

    url: str
    ca_file: Path | None = None
    threads: int = 4
    pause: float = 0.02
    settle: float = 1
    max_seconds: float = 900
    results: list[tuple[float, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    workers: list[threading.Thread] = field(default_factory=list)

    def one(self, note: dict, label: int) -> str:
        try:
            answer = post_note(self.url, note, self.ca_file)
        except (OSError, ValueError) as exc:  # HTTPError is an OSError: a 5xx counts as failed
            return f"failed: {exc!r}"
        return "ok" if answer.get("label") == label else "wrong"

    def run(self, index: int) -> None:
        deadline = time.monotonic() + self.max_seconds
        while not self.stop.is_set() and time.monotonic() < deadline:
            note, label = NOTES[(index + len(self.results)) % len(NOTES)]
            self.results.append((time.monotonic(), self.one(note, label)))
            time.sleep(self.pause)

    def __enter__(self) -> "Clients":
        self.workers = [threading.Thread(target=self.run, args=(i,)) for i in range(self.threads)]
        for worker in self.workers:
            worker.start()
        time.sleep(self.settle)
        return self

    def __exit__(self, *_) -> None:
        time.sleep(self.settle)
        self.stop.set()
        for worker in self.workers:
            worker.join()

    def count(self, kind: str, start: float = 0, end: float = float("inf")) -> int:
        return sum(1 for t, result in self.results if result.startswith(kind) and start <= t <= end)

    def not_ok(self) -> list[str]:
        return [result for _, result in self.results if result != "ok"]
