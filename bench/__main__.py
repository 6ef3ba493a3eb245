"""The benchmark, in one command: `bench/run.sh` (= `.venv/bin/python -m bench`).

Measures on 127.0.0.1, with wrk at 8 connections (2 threads, 10 s per run after a 2 s warm-up):
  1. the service: single-row POST /predict, served by the image (gunicorn, app/gunicorn.conf.py);
  2. the ceiling: a constant-JSON Flask POST endpoint in the same image with the same gunicorn config;
  3. the seed's way: Flask's development server, GET /predict, scikit-learn model from joblib;
  4. 10k-row batch latency in-process: app.forest vs scikit-learn predict_proba (best of N);
  5. the image size; 6. `docker run` to ready (median of 5).
Prints a table with the goals, writes build/bench/results.{md,json}; --update-docs also rewrites the
results section of docs/benchmark.md. Everything started here is stopped by container ID / PID.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Shared with the tests: the docker CLI, HTTP with timeouts, bounded waits, free ports.
from tests.support.docker import READY_PATH, docker, running_container, start_container
from tests.support.http import request, wait_http
from tests.support.ports import free_port
from tests.support.wait import WaitTimeout, exited, stop_process

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DEFAULT_DATA = ROOT / "data" / "banknote_authentication.csv"  # shipped with the project (data/README.md)
CONTAINER_PORT = 8080
ROW = {"variance": 3.6216, "skewness": 8.6661, "curtosis": -2.8073, "entropy": -0.44699}
ROW_QUERY = "&".join(f"{name}={value}" for name, value in ROW.items())
DOCS_START, DOCS_END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
GOALS = {
    "throughput_vs_ceiling": 0.7,  # service req/s >= 0.7 x ceiling req/s
    "p99_vs_ceiling": 3.0,  # service p99 <= 3 x ceiling p99
    "batch_speedup": 3.0,  # numpy forest >= 3x faster than scikit-learn on 10k rows
    "image_mb": 200.0,
    "ready_s": 1.0,
}


class BenchError(RuntimeError):
    """The benchmark cannot run or a server misbehaved; the message says what to do."""


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, check=True, text=True, capture_output=True, **kwargs)


@contextlib.contextmanager
def container(image: str, extra: tuple[str, ...] = (), cmd: tuple[str, ...] = ()) -> Iterator[str]:
    """A started container's base URL, ready: the service says so on its ready path, another command
    once anything answers HTTP. Removed by ID afterwards."""
    ready_path = READY_PATH if not cmd else None
    with running_container(image, CONTAINER_PORT, *extra, command=cmd, ready_path=ready_path) as started:
        yield started.url


def wrk(url: str, method: str, body: str | None, duration_s: int, warmup_s: int) -> dict[str, Any]:
    """Runs wrk -t2 -c8 (bounded by duration) and returns its JSON summary plus req/s."""
    args = ["--", method] + ([body] if body is not None else [])
    base = ["wrk", "-t", "2", "-c", "8", "--latency", "-s", str(BENCH / "wrk.lua")]
    if warmup_s:
        run([*base, "-d", f"{warmup_s}s", url, *args], timeout=warmup_s + 30)
    out = run([*base, "-d", f"{duration_s}s", url, *args], timeout=duration_s + 30).stdout
    match = re.search(r"^BENCH_JSON (.*)$", out, re.MULTILINE)
    if not match:
        raise BenchError(f"wrk printed no summary:\n{out}")
    result = json.loads(match.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["failed"] = sum(result["errors"].values())
    return result


def ensure_model(model_dir: Path, dataset: Path) -> None:
    if (model_dir / "serving" / "model.json").is_file() and (model_dir / "model.joblib").is_file():
        return
    log(f"training a model into {model_dir}")
    subprocess.run([sys.executable, "-m", "training", "--data", str(dataset), "--out", str(model_dir),
                    "--seed", "42"], cwd=ROOT, check=True)


def service_and_ceiling(image: str, duration_s: int, warmup_s: int, rounds: int) -> tuple[dict, dict]:
    """wrk against the service and the ceiling, alternating (A B A B ...) so that a burst of load
    from other jobs on the shared machine hits both alike; each side keeps its best round."""
    # The constant app is mounted next to the service's code and started with the service's config.
    mount = ("--volume", f"{BENCH / 'ceiling_app.py'}:/opt/banknote/bench_ceiling_app.py:ro")
    command = ("gunicorn", "--config", "/opt/banknote/app/gunicorn.conf.py", "--no-control-socket",
               "bench_ceiling_app:app")
    with container(image) as service, container(image, mount, command) as ceiling:
        status, _, body = request("POST", f"{service}/predict", ROW)
        if status != 200 or "label" not in json.loads(body):
            raise BenchError(f"the service answered {status} {body[:200]!r} to a valid row")
        status, _, body = request("POST", f"{ceiling}/predict", ROW)
        if status != 200:
            raise BenchError(f"the ceiling app answered {status} {body[:200]!r}")
        runs: dict[str, list[dict[str, Any]]] = {"service": [], "ceiling": []}
        for round_number in range(rounds):
            for name, base in (("service", service), ("ceiling", ceiling)):
                log(f"  {name}, round {round_number + 1}/{rounds}")
                runs[name].append(wrk(f"{base}/predict", "POST", json.dumps(ROW), duration_s, warmup_s))
    best = {name: max(results, key=lambda r: r["rps"]) for name, results in runs.items()}
    for name, results in runs.items():
        best[name]["rounds_rps"] = [round(r["rps"], 1) for r in results]
    return best["service"], best["ceiling"]


def bench_seed(model_dir: Path, duration_s: int, warmup_s: int) -> dict[str, Any]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(BENCH / "seed_app.py"), "--model", str(model_dir / "model.joblib"),
         "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/", 60, status=None, failed=lambda: exited(process))
        url = f"http://127.0.0.1:{port}/predict?{ROW_QUERY}"
        status, _, body = request("GET", url)
        if status != 200:
            raise BenchError(f"the seed app answered {status} {body[:200]!r}")
        return wrk(url, "GET", None, duration_s, warmup_s)
    finally:
        stop_process(process, 10)


def time_to_ready(image: str, runs: int) -> tuple[list[float], list[float]]:
    """Per run: seconds from invoking `docker run` to the first 200 from /v2/health/ready, and the
    part of it after the engine started the container (the image's own start-up)."""
    totals, in_container = [], []
    for _ in range(runs):
        start = time.monotonic()
        started = start_container(image, CONTAINER_PORT)
        try:
            ready = started.wait_ready(60, interval=0.01)
            ready_wall = time.time() - (time.monotonic() - ready)
            totals.append(ready - start)
            in_container.append(ready_wall - started.started_at())
        finally:
            started.remove()
    return totals, in_container


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    docker_version = docker("version", "-f", "{{.Server.Version}}", check=False).stdout.strip()
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
        "python": platform.python_version(), "docker_engine": docker_version,
        "loadavg_at_start": os.getloadavg()[0],
    }


def goals(results: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    service, ceiling, batch = results["service"], results["ceiling"], results["batch"]
    throughput = service["rps"] / ceiling["rps"]
    p99 = service["latency_us"]["p99"] / ceiling["latency_us"]["p99"]
    ready = statistics.median(results["ready_s"])
    return [
        ("throughput vs ceiling", f"{throughput:.2f}x", f">= {GOALS['throughput_vs_ceiling']}x",
         throughput >= GOALS["throughput_vs_ceiling"]),
        ("p99 vs ceiling", f"{p99:.2f}x", f"<= {GOALS['p99_vs_ceiling']}x", p99 <= GOALS["p99_vs_ceiling"]),
        ("10k batch: sklearn / forest",
         f"{batch['speedup']:.1f}x, classes {'identical' if batch['identical_classes'] else 'DIFFER'}",
         f">= {GOALS['batch_speedup']}x, identical",
         batch["speedup"] >= GOALS["batch_speedup"] and batch["identical_classes"]),
        ("image size", f"{results['image_mb']:.1f} MB", f"<= {GOALS['image_mb']:.0f} MB",
         results["image_mb"] <= GOALS["image_mb"]),
        ("docker run to ready (median of 5)", f"{ready:.2f} s", f"<= {GOALS['ready_s']} s",
         ready <= GOALS["ready_s"]),
    ]


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), kernel {m['kernel']}, Docker engine {m['docker_engine']}, "
        f"load average {m['loadavg_at_start']:.2f} at start (shared machine: figures vary run to run).",
        f"Load: wrk -t 2 -c 8 -d {results['duration_s']}s after a {results['warmup_s']} s warm-up, "
        f"on 127.0.0.1; service and ceiling alternate for {results['rounds']} rounds, best round shown "
        f"(req/s per round: service {results['service']['rounds_rps']}, "
        f"ceiling {results['ceiling']['rounds_rps']}).",
        "",
        "| Server | Request | req/s | p50 ms | p99 ms | failed |",
        "|---|---|---:|---:|---:|---:|",
    ]
    rows = [
        ("service: image, gunicorn (app/gunicorn.conf.py)", "POST /predict, 1 row", results["service"]),
        ("ceiling: same image + gunicorn config, constant JSON", "POST /predict", results["ceiling"]),
        ("seed: Flask dev server (host), sklearn from joblib", "GET /predict?...", results["seed"]),
    ]
    for server, sent, r in rows:
        lat = r["latency_us"]
        lines.append(f"| {server} | {sent} | {r['rps']:.0f} | {lat['p50'] / 1e3:.2f} | "
                     f"{lat['p99'] / 1e3:.2f} | {r['failed']} |")
    b = results["batch"]
    lines += [
        "",
        f"10k-row batch, in-process, best of {b['repeats']}: app.forest {b['forest_ms']:.1f} ms "
        f"({b['forest_path']}; traversal fallback {b['forest_traversal_ms']:.1f} ms), "
        f"scikit-learn predict_proba {b['sklearn_ms']:.1f} ms "
        f"(n_jobs={b['sklearn_n_jobs']}, {b['n_trees']} trees); "
        f"classes identical: {b['identical_classes']}; max |proba diff| {b['max_abs_proba_diff']:.1e}.",
        f"Image {results['image']}: {results['image_mb']:.1f} MB. `docker run` to ready: "
        + ", ".join(f"{t:.2f}" for t in results["ready_s"]) + " s; of which after the engine started "
        "the container (Python, gunicorn, model load): "
        + ", ".join(f"{t:.2f}" for t in results["started_to_ready_s"]) + " s.",
        f"Service vs seed: {results['service']['rps'] / results['seed']['rps']:.1f}x the throughput.",
        f"In-process CPU per request inside the WSGI app (no server, no network; steady on a shared "
        f"machine): service POST /predict {results['wsgi_cpu']['service_us']:.0f} us, ceiling "
        f"{results['wsgi_cpu']['ceiling_us']:.0f} us.",
        "",
        "| Goal | Measured | Target | Met |",
        "|---|---|---|---|",
    ]
    lines += [f"| {name} | {value} | {target} | {'yes' if ok else 'NO'} |"
              for name, value, target, ok in goals(results)]
    return "\n".join(lines) + "\n"


def update_docs(table: str, docs: Path) -> None:
    text = docs.read_text(encoding="utf-8")
    start, end = text.find(DOCS_START), text.find(DOCS_END)
    if start < 0 or end < start:
        raise BenchError(f"{docs} lacks the {DOCS_START} ... {DOCS_END} markers")
    docs.write_text(text[: start + len(DOCS_START)] + "\n" + table + text[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description="Benchmark the service (bench/__main__.py).")
    parser.add_argument("--model-dir", type=Path, default=ROOT / "build" / "model",
                        help="training output (serving/ + model.joblib); trained here if missing")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("BANKNOTE_DATA", DEFAULT_DATA)))
    parser.add_argument("--image", default="banknote:bench", help="image tag to build and measure")
    parser.add_argument("--no-build", action="store_true", help="measure --image as it is")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (bounded)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk warm-up before each run")
    parser.add_argument("--rounds", type=int, default=2, help="service/ceiling rounds, alternating")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--update-docs", action="store_true", help="rewrite docs/benchmark.md's results")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 60 or not 0 <= args.warmup <= 10 or not 1 <= args.rounds <= 5:
        parser.error("--duration must be 1..60 s, --warmup 0..10 s and --rounds 1..5")

    try:
        results: dict[str, Any] = {"machine": machine(), "duration_s": args.duration, "warmup_s": args.warmup,
                                   "rounds": args.rounds, "image": args.image}
        ensure_model(args.model_dir, args.data)
        if not args.no_build:
            log(f"building {args.image}")
            subprocess.run([str(ROOT / "scripts" / "build-image.sh"), args.image], check=True,
                           env={**os.environ, "MODEL_DIR": str(args.model_dir / "serving")})
        log("1-2/6 service and ceiling (containers, same gunicorn config), alternating")
        results["service"], results["ceiling"] = service_and_ceiling(
            args.image, args.duration, args.warmup, args.rounds)
        log("3/6 seed (Flask development server)")
        results["seed"] = bench_seed(args.model_dir, args.duration, args.warmup)
        log("4/6 10k-row batch; CPU per request in-process")
        from bench.batch import compare  # noqa: PLC0415 - imports numpy/sklearn only when needed

        results["batch"] = compare(args.model_dir, args.data)
        from bench import wsgi_cost  # noqa: PLC0415

        results["wsgi_cpu"] = wsgi_cost.compare(args.model_dir / "serving", ROW)
        log("5/6 image size")
        size = docker("image", "inspect", "-f", "{{.Size}}", args.image).stdout
        results["image_mb"] = int(size) / 1e6
        log("6/6 docker run to ready, 5 runs")
        results["ready_s"], results["started_to_ready_s"] = time_to_ready(args.image, 5)
    except (BenchError, WaitTimeout, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        detail = getattr(error, "stderr", None) or ""
        print(f"bench: failed: {error}\n{detail}", file=sys.stderr)
        return 1

    table = markdown(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(table, encoding="utf-8")
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table)
    if args.update_docs:
        update_docs(table, ROOT / "docs" / "benchmark.md")
        log("docs/benchmark.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
