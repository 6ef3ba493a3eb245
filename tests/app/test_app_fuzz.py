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
MAX_EXAMPLES = int(os.environ.get("BANKNOTE_FUZZ_EXAMPLES", "50"))  # per operation and phase
SEED = os.environ.get("BANKNOTE_FUZZ_SEED", "42")  # fixed: a failure reproduces; vary it to explore


def test_fuzzing_finds_no_server_errors_and_no_schema_violations(gunicorn_server, tmp_path):
    """Every check Schemathesis has: no 5xx, statuses, content types and bodies as documented,
    invalid input refused, valid input accepted, 405 for undocumented methods."""
    before = len(gunicorn_server.logs()[0].splitlines())
    started = time.monotonic()
    result = subprocess.run(
        [str(ST), "--config-file", str(CONFIG), "--no-color", "run", f"{gunicorn_server.url}/openapi.json",
         "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", SEED, "--workers", "1",
         "--request-timeout", "10"],
        check=False,
        cwd=tmp_path,  # its caches (.hypothesis, .schemathesis) land here, not in the repository
        capture_output=True, text=True, timeout=600,
    )
    elapsed = time.monotonic() - started
    summary = result.stdout[result.stdout.rfind("SUMMARY"):]
    print(f"schemathesis ran {elapsed:.0f} s:\n{summary}")
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]

    # Independently of Schemathesis' verdict: what the server itself logged for those requests.
    time.sleep(0.5)  # the last access-log lines are written just after their responses
    lines = gunicorn_server.logs()[0].splitlines()[before:]
    statuses = collections.Counter(json.loads(line)["status"] for line in lines)
    print("responses by status:", dict(sorted(statuses.items())))
    assert sum(statuses.values()) > 500  # the fuzzing really ran
    assert not [status for status in statuses if status >= 500]
    assert statuses[200] > 0
    assert statuses[422] > 0
