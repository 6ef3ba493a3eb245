"""CPU time per request inside the WSGI app, no server and no network: the service's POST /predict vs
the ceiling app's. Far steadier than wrk on a shared machine, it tells what the service's own work
(parsing, validation, model, metrics) adds per request."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.test import EnvironBuilder


def cpu_us_per_request(app: Flask, body: bytes, requests: int = 2000, repeats: int = 3) -> float:
    """Best of `repeats` of the mean process CPU time (microseconds) of one request."""
    environ = EnvironBuilder(path="/predict", method="POST", data=body,
                             content_type="application/json").get_environ()

    def call() -> None:
        status = []
        response = app.wsgi_app({**environ, "wsgi.input": io.BytesIO(body)},
                                lambda code, headers, exc_info=None: status.append(code))
        b"".join(response)
        if not status[0].startswith("200"):
            raise RuntimeError(f"{app.name} answered {status[0]}")

    for _ in range(200):
        call()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(requests):
            call()
        best = min(best, (time.process_time() - start) / requests)
    return best * 1e6


def compare(serving_dir: Path, row: dict[str, float]) -> dict[str, Any]:
    from app import create_app  # noqa: PLC0415 - the service loads its model here
    from bench.ceiling_app import app as ceiling  # noqa: PLC0415

    body = json.dumps(row).encode()
    service_us = cpu_us_per_request(create_app({"MODEL_DIR": str(serving_dir)}), body)
    ceiling_us = cpu_us_per_request(ceiling, body)
    return {"service_us": service_us, "ceiling_us": ceiling_us}
