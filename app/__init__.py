"""The bank-note authentication service: a Flask app factory.

`gunicorn -c app/gunicorn.conf.py` serves `create_app()` with the serving artifact from MODEL_DIR.
Nothing happens at import time; create_app loads and checks everything, or raises StartupError.
"""

import os
from typing import Any

from flask import Flask

from app import errors, metrics, pages, predict, v2
from app.model import load_classifier
from app.openapi import build_spec
from app.settings import DEFAULTS, SERVICE_VERSION, check_settings, settings_from_env

__version__ = SERVICE_VERSION


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Builds the app. Settings come from the environment, or only from `test_config` when given."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.update(settings_from_env(os.environ) if test_config is None else test_config)
    check_settings(app.config)
    app.json.sort_keys = False  # answers keep the documented order: label, class, probability
    # "//" in a path is a 404 like any unknown path, not a redirect to a guess.
    app.url_map.merge_slashes = False

    classifier = load_classifier(app.config["MODEL_DIR"])
    app.extensions["banknote_classifier"] = classifier

    errors.register_error_handlers(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(predict.bp)
    app.register_blueprint(v2.bp)
    metrics.init_metrics(app, classifier.class_name_of)  # after every route, so it knows them all
    app.extensions["banknote_openapi"] = build_spec(
        classifier, app.config["MAX_BATCH_ROWS"], app.config["MAX_CONTENT_LENGTH"]
    )

    @app.after_request
    def _no_sniff(response):  # browsers must not guess a type for JSON or text answers
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app
