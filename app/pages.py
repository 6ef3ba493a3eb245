"""Pages for people: the check-a-note page, the API description and its readable rendering."""

import json
from typing import Any

from flask import Blueprint, Response, current_app, render_template

from app.examples import EXAMPLE_ROWS
from app.model import Classifier

bp = Blueprint("pages", __name__)

# Everything a page loads comes from this service; nothing inline, no CDN.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _html(body: str) -> Response:
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@bp.get("/")
def index() -> Response:
    model: Classifier = current_app.extensions["banknote_classifier"]
    examples = [
        {"label": label, "name": model.class_name_of[label], "values": EXAMPLE_ROWS[label]}
        for label in model.labels
        if label in EXAMPLE_ROWS and EXAMPLE_ROWS[label].keys() == set(model.feature_names)
    ]
    return _html(render_template("index.html", model=model, examples=examples))


@bp.get("/openapi.json")
def openapi() -> dict[str, Any]:
    return current_app.extensions["banknote_openapi"]


@bp.get("/docs")
def docs() -> Response:
    spec = current_app.extensions["banknote_openapi"]
    operations = [
        {"method": method.upper(), "path": path, **operation}
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]
    schemas = {name: json.dumps(schema, indent=2) for name, schema in spec["components"]["schemas"].items()}
    return _html(render_template("docs.html", spec=spec, operations=operations, schemas=schemas,
                                 pretty=lambda value: json.dumps(value, indent=2)))
