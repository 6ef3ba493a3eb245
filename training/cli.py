"""`python -m training --out DIR [--data PATH_OR_URL|uci] [--seed N]`: validate, explore, select, export.

Data problems end with one line on stderr and exit status 1, never a traceback. The data is
read and checked before scikit-learn and matplotlib are imported, so bad input fails in a blink.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from training import data, stamp
from training.warmup import start_cv_workers

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEED = 42
EXIT_DATA_ERROR = 1
EXIT_OUTPUT_ERROR = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m training",
        description="Train the banknote random forest and write the serving artifact, report and model card.",
    )
    parser.add_argument(
        "--data", metavar="PATH_OR_URL",
        help=f"banknote CSV (headed or the headerless UCI original), local path or http(s) URL, or "
             f"'{data.UCI_SOURCE}' to download {data.uci_url()} and verify its content; "
             "default: the shipped copy data/banknote_authentication.csv, its sha256 checked",
    )
    parser.add_argument(
        "--data-hint", metavar="TEXT", default=data.DATA_HINT,
        help=f"how data errors tell the user to pass other data (default: {data.DATA_HINT!r}); "
             "a wrapper such as playbooks/train.yml names its own way",
    )
    parser.add_argument("--out", metavar="DIR", required=True, type=Path, help="output directory")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--skip-if-unchanged", action="store_true",
        help=f"exit without training if DIR holds an intact model made from the same data content, training "
             f"code, seed and library versions (recorded in DIR/{stamp.STAMP_FILE})",
    )
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1),
        help="parallel CV workers (default: 2 or the CPU count if lower; the machine may be shared)",
    )
    return parser.parse_args(argv)


def training_revision() -> str:
    """`git rev-parse HEAD` of this code, else $GIT_REVISION, else "unknown"; never fails."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10,
            check=False,
        )
        revision = result.stdout.strip()
        if result.returncode == 0 and revision:
            return revision
    except (OSError, subprocess.SubprocessError):
        pass
    return os.environ.get("GIT_REVISION", "").strip() or "unknown"


def _fail(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    timings: dict[str, float] = {}
    # The UCI download must match the pinned content, so its identity is known without downloading it.
    uci = args.data is not None and args.data.lower() == data.UCI_SOURCE
    if args.skip_if_unchanged and uci and _up_to_date(args, data.UCI_CONTENT_SHA256):
        return 0
    try:
        dataset = data.load(args.data, hint=args.data_hint)
        dedup = data.deduplicate(dataset.X, dataset.y)
        data.check_usable(dedup.X, dedup.y, f"{dataset.source} after removing {dedup.n_removed} duplicates")
    except data.DataError as exc:
        return _fail(str(exc), EXIT_DATA_ERROR)
    timings["load_and_validate"] = time.perf_counter() - started
    if args.skip_if_unchanged and _up_to_date(args, dataset.content_sha256):
        return 0
    print(
        f"data: {dataset.source}\n"
        f"  {dedup.n_before} rows, {dedup.n_removed} exact duplicates removed -> {len(dedup.y)} rows\n"
        f"  file sha256    {dataset.file_sha256}\n"
        f"  content sha256 {dataset.content_sha256} (header dropped, LF line ends, final newline)"
    )
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        # The old stamp would vouch for files this run is about to replace: drop it until the end.
        (args.out / stamp.STAMP_FILE).unlink(missing_ok=True)
    except OSError as exc:
        return _fail(f"cannot create output directory {args.out}: {exc.strerror or exc}", EXIT_OUTPUT_ERROR)

    # The CV workers start (and import scikit-learn) while this process imports the pipeline.
    warmup = start_cv_workers(max(1, args.jobs))
    from training import pipeline  # noqa: PLC0415 (heavy imports only once the data is known good)

    if warmup is not None:
        warmup.join()

    try:
        result = pipeline.run(
            dataset, dedup, out_dir=args.out, seed=args.seed, n_jobs=max(1, args.jobs),
            revision=training_revision(), timings=timings, started=started,
        )
        # Written last: an interrupted run leaves no stamp, so the next --skip-if-unchanged retrains.
        stamp_path = stamp.write_stamp(args.out, stamp.make_stamp(dataset.content_sha256, args.seed))
    except OSError as exc:
        return _fail(f"cannot write to {args.out}: {exc.strerror or exc} ({getattr(exc, 'filename', '')})",
                     EXIT_OUTPUT_ERROR)
    result["paths"]["stamp"] = str(stamp_path)
    print_summary(result)
    return 0


def _up_to_date(args: argparse.Namespace, data_content_sha256: str) -> bool:
    if not stamp.is_up_to_date(args.out, stamp.make_stamp(data_content_sha256, args.seed)):
        return False
    print(f"up to date: {args.out} was trained from the same data (content sha256 {data_content_sha256}), "
          f"training code, seed {args.seed} and library versions; nothing to do")
    return True


def print_summary(result: dict[str, Any]) -> None:
    metrics = result["metrics"]
    print("\nstratified 10-fold CV on the training part (accuracy mean ± std, ROC AUC mean):")
    for name, cv in metrics["cv"]["models"].items():
        print(f"  {name:<22} {cv['accuracy_mean']:.4f} ± {cv['accuracy_std']:.4f}   {cv['roc_auc_mean']:.4f}")
    selected = metrics["selection"]["selected_params"]
    print(f"served: random forest {json.dumps(selected)} "
          f"(CV {metrics['selection']['selected_cv']['accuracy_mean']:.4f} "
          f"± {metrics['selection']['selected_cv']['accuracy_std']:.4f})")
    held_out = metrics["held_out"]
    print(f"held-out test ({held_out['n_test']} rows, scored once): accuracy {held_out['accuracy']:.4f}, "
          f"ROC AUC {held_out['roc_auc']:.4f}, confusion {held_out['confusion_matrix']}")
    print(f"wall time {metrics['timings_s']['total']:.1f} s")
    for label, path in result["paths"].items():
        print(f"  {label:<12} {path}")
