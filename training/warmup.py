"""Starts the CV worker processes early, so that their start-up (a fresh Python importing
scikit-learn, about a second each) overlaps the main process's own heavy imports instead of
following them. An optimisation only: if it fails, the CV starts its workers itself."""

from __future__ import annotations

import threading


def _import_model_modules() -> bool:
    # The modules the CV tasks unpickle and run; a worker keeps them imported for later tasks.
    import sklearn.ensemble  # noqa: PLC0415
    import sklearn.inspection  # noqa: PLC0415
    import sklearn.linear_model  # noqa: PLC0415
    import sklearn.metrics  # noqa: PLC0415
    import sklearn.neighbors  # noqa: PLC0415
    import sklearn.svm  # noqa: F401, PLC0415

    return True


def start_cv_workers(n_jobs: int) -> threading.Thread | None:
    """Starts joblib's (reusable) worker pool in a background thread; join it before the CV runs,
    so the pool is never used from two threads at once. None when there is nothing to start."""
    if n_jobs <= 1:
        return None

    def warm() -> None:
        try:
            from joblib import Parallel, delayed  # noqa: PLC0415

            Parallel(n_jobs=n_jobs)(delayed(_import_model_modules)() for _ in range(n_jobs))
        except Exception:  # noqa: S110 - an optimisation only; the CV starts workers anyway
            pass

    thread = threading.Thread(target=warm, name="cv-worker-warmup")
    thread.start()
    return thread
