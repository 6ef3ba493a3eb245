"""Every error leaves the service as JSON {"error": "..."} (the Open Inference Protocol's format)."""

from flask import Flask, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

from app.validation import ApiError


def error_response(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message), status


def _api_error(error: ApiError) -> tuple[Response, int]:
    return error_response(error.status, error.message)


def _http_error(error: HTTPException) -> Response:
    # Start from werkzeug's own response to keep its headers (Allow on 405), then swap in JSON.
    response = error.get_response()
    response.set_data(jsonify(error=_message(error)).get_data())
    response.mimetype = "application/json"
    return response


def _message(error: HTTPException) -> str:
    code = error.code or 500
    if code == 404:
        return "not found: see /openapi.json for the endpoints"
    if code == 405:
        allowed = ", ".join(sorted(error.valid_methods or [])) if hasattr(error, "valid_methods") else ""
        return f"method not allowed here (allowed: {allowed})" if allowed else "method not allowed here"
    if code == 413:
        return f"request body too large: the limit is {current_app.config['MAX_CONTENT_LENGTH']} bytes"
    return f"{error.name}: {error.description}" if error.description else error.name


def _internal_error(error: InternalServerError) -> tuple[Response, int]:
    # The traceback goes to the log (Flask logs unhandled exceptions); the client gets no internals.
    return error_response(500, "internal server error")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(InternalServerError, _internal_error)
    app.register_error_handler(HTTPException, _http_error)
