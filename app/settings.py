"""Service settings: defaults, read from the environment once at start-up, checked with clear errors."""

from collections.abc import Mapping
from typing import Any

SERVICE_NAME = "banknote-inference"
SERVICE_VERSION = "0.1.0"

DEFAULT_MAX_BATCH_ROWS = 1000
# 1000 rows as a list of named objects is about 100 kB of JSON; 1 MiB leaves room for whitespace.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024

# Environment variable -> Flask config key. MAX_CONTENT_LENGTH is Flask's own body limit (413 past it).
ENV_TO_CONFIG = {
    "MODEL_DIR": "MODEL_DIR",
    "MAX_BATCH_ROWS": "MAX_BATCH_ROWS",
    "MAX_BODY_BYTES": "MAX_CONTENT_LENGTH",
}
DEFAULTS: dict[str, Any] = {
    "MODEL_DIR": None,
    "MAX_BATCH_ROWS": DEFAULT_MAX_BATCH_ROWS,
    "MAX_CONTENT_LENGTH": DEFAULT_MAX_BODY_BYTES,
}


class StartupError(RuntimeError):
    """The service cannot start; the message says why and what to change.

    A RuntimeError on purpose: gunicorn prints a RuntimeError raised while loading the app as one
    "Error: ..." line and exits 1, without a traceback.
    """


def settings_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings the environment gives, as strings; `check_settings` converts and validates them."""
    return {key: environ[name] for name, key in ENV_TO_CONFIG.items() if environ.get(name, "") != ""}


def check_settings(config: dict[str, Any]) -> None:
    """Turns the numeric settings into positive ints in place, or stops start-up naming the variable."""
    for name, key in ENV_TO_CONFIG.items():
        if key == "MODEL_DIR":
            continue
        raw = config[key]
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise StartupError(f"{name} must be a whole number, got {raw!r}") from None
        if isinstance(raw, bool) or value < 1:
            raise StartupError(f"{name} must be at least 1, got {raw!r}")
        config[key] = value
