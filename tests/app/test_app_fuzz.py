"""Bounded API fuzzing with Schemathesis from the service's own /openapi.json, against gunicorn."""

import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ST = Path(sys.executable).with_name("st")
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Per operation and phase: hundreds (300 take ~3 min on 2 shared CPUs). Operations with few distinct
# inputs (GET /, /docs) end sooner: Hypothesis stops when it has nothing new to generate.
MAX_EXAMPLES = int(os.environ.get("BANKNOTE_FUZZ_EXAMPLES", "300"))
# A new seed each run, so that runs explore different inputs; every failure message names it, and
# BANKNOTE_FUZZ_SEED=<seed> replays that run. (Schemathesis would also draw one, Random().getrandbits(128)
# in schemathesis/config/__init__.py, SchemathesisConfig.seed, but only its own output would show it.)
SEED = os.environ.get("BANKNOTE_FUZZ_SEED") or str(int.from_bytes(os.urandom(8), "big"))
# The bound on the whole run. Not Schemathesis' --max-time: in 4.x that is a budget the fuzzing and
# stateful phases repeat to fill (schemathesis/engine/core.py, the elastic cycle loop), so every run would
# take all of it. Each request is bounded by --request-timeout; Schemathesis sets no Hypothesis deadline.
RUN_TIMEOUT_S = 600
REPLAY = f"seed {SEED}: BANKNOTE_FUZZ_SEED={SEED} replays this run"


def test_fuzzing_finds_no_server_errors_and_no_schema_violations(gunicorn_server, tmp_path):
    """Every check Schemathesis has: no 5xx, statuses, content types and bodies as documented,
    invalid input refused, valid input accepted, 405 for undocumented methods."""
    before = len(gunicorn_server.logs()[0].splitlines())
    started = time.monotonic()
    command = [str(ST), "--config-file", str(CONFIG), "--no-color",
               "run", f"{gunicorn_server.url}/openapi.json", "--checks", "all",
               "--max-examples", str(MAX_EXAMPLES), "--seed", SEED,
               "--workers", "1", "--request-timeout", "10"]
    print(f"\nschemathesis {REPLAY}")
    try:
        # cwd: its caches (.hypothesis, .schemathesis) land in the test's directory, so no run replays
        # another's examples (and none land in the repository).
        result = subprocess.run(command, check=False, cwd=tmp_path, capture_output=True, text=True,
                                timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Schemathesis ran longer than {RUN_TIMEOUT_S} s ({REPLAY}): "
                    "lower BANKNOTE_FUZZ_EXAMPLES")
    elapsed = time.monotonic() - started
    summary = result.stdout[result.stdout.rfind("SUMMARY"):]
    print(f"schemathesis ran {elapsed:.0f} s:\n{summary}")
    assert result.returncode == 0, f"{REPLAY}\n{result.stdout[-8000:]}{result.stderr[-2000:]}"

    # Independently of Schemathesis' verdict: what the server itself logged for those requests.
    time.sleep(0.5)  # the last access-log lines are written just after their responses
    lines = gunicorn_server.logs()[0].splitlines()[before:]
    statuses = collections.Counter(json.loads(line)["status"] for line in lines)
    print("responses by status:", dict(sorted(statuses.items())))
    # The fuzzing really ran: at least ten of the 14 operations took their MAX_EXAMPLES (per phase).
    assert sum(statuses.values()) >= 10 * MAX_EXAMPLES, statuses
    assert not [status for status in statuses if status >= 500], f"{REPLAY}: {statuses}"
    assert statuses[200] > 0
    assert statuses[422] > 0
