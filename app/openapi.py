"""The OpenAPI 3.1 description of every endpoint, built from the loaded model and the settings.

3.1 rather than 3.0 for JSON Schema 2020-12's prefixItems: a V2 tensor's shape is exactly [N, 4].
"""

from typing import Any

from app.examples import EXAMPLE_ROWS
from app.model import MODEL_NAME, Classifier
from app.settings import SERVICE_VERSION
from app.v2 import INPUT_DATATYPES, INPUT_NAME, OUTPUTS
from app.validation import FLOAT32_MAX

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    reasons = {
        400: "The body is not valid JSON (NaN and Infinity are not JSON numbers).",
        404: "Unknown model name or version.",
        413: "The body is larger than the configured limit.",
        415: "The body is not declared as JSON (send Content-Type: application/json).",
        422: "Valid JSON that does not fit the schema; the message names the field.",
    }
    return {str(code): _json_body(_ref("Error"), reasons[code]) for code in codes}


def _ok(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"responses": {"200": _json_body(schema, description)}}


def _page(description: str, media_type: str) -> dict[str, Any]:
    content = {media_type: {"schema": {"type": "string"}}}
    return {"responses": {"200": {"description": description, "content": content}}}


def build_spec(model: Classifier, max_rows: int, max_body_bytes: int) -> dict[str, Any]:
    features = model.feature_names
    n = model.n_features
    number = {"type": "number", "minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX}
    labels = list(model.labels)
    names = list(model.class_names)
    parameters = {
        "type": "object",
        "description": "Key/value parameters (accepted, none changes the answer).",
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]},
    }
    model_name = {"name": "model_name", "in": "path", "required": True,
                  "schema": {"type": "string", "enum": [MODEL_NAME]}}
    model_version = {"name": "model_version", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": [model.version]}}

    schemas: dict[str, Any] = {
        "Features": {
            "type": "object",
            "description": "One bank note's wavelet features.",
            "required": list(features),
            "additionalProperties": False,
            "properties": {name: dict(number) for name in features},
            "examples": [EXAMPLE_ROWS[labels[-1]]],
        },
        "FeatureRow": {
            "type": "array",
            "description": f"The {n} features in this order: {', '.join(features)}.",
            "prefixItems": [{**number, "title": name} for name in features],
            "minItems": n,
            "maxItems": n,
        },
        "FeaturesList": {
            "type": "array", "items": _ref("Features"), "minItems": 1, "maxItems": max_rows,
        },
        "Instances": {
            "type": "object",
            "required": ["instances"],
            "additionalProperties": False,
            "properties": {
                "instances": {
                    "type": "array", "items": _ref("FeatureRow"), "minItems": 1, "maxItems": max_rows,
                },
            },
        },
        "Prediction": {
            "type": "object",
            "required": ["label", "class", "probability"],
            "additionalProperties": False,
            "properties": {
                "label": {"type": "integer", "enum": labels},
                "class": {"type": "string", "enum": names, "description": "The label's name."},
                "probability": {
                    "type": "number", "minimum": 0, "maximum": 1,
                    "description": "Probability of the predicted class (the mean of the trees' votes); "
                                   "at least 1/number of classes. A tie goes to the lower label.",
                },
            },
        },
        "Predictions": {
            "type": "object",
            "required": ["predictions"],
            "additionalProperties": False,
            "properties": {"predictions": {"type": "array", "items": _ref("Prediction"),
                                           "description": "One result per row, in the request's order."}},
        },
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": False,
            "properties": {"error": {"type": "string"}},
        },
        "ServerMetadata": {
            "type": "object",
            "required": ["name", "version", "extensions"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                           "extensions": {"type": "array", "items": {"type": "string"}}},
        },
        "Live": {"type": "object", "required": ["live"], "additionalProperties": False,
                 "properties": {"live": {"type": "boolean"}}},
        "Ready": {"type": "object", "required": ["ready"], "additionalProperties": False,
                  "properties": {"ready": {"type": "boolean"}}},
        "ModelReady": {"type": "object", "required": ["name", "ready"], "additionalProperties": False,
                       "properties": {"name": {"type": "string"}, "ready": {"type": "boolean"}}},
        "TensorMetadata": {
            "type": "object",
            "required": ["name", "datatype", "shape"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "datatype": {"type": "string"},
                           "shape": {"type": "array", "items": {"type": "integer"}}},
        },
        "ModelMetadata": {
            "type": "object",
            "required": ["name", "versions", "platform", "inputs", "outputs"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "versions": {"type": "array", "items": {"type": "string"}},
                "platform": {"type": "string"},
                "inputs": {"type": "array", "items": _ref("TensorMetadata")},
                "outputs": {"type": "array", "items": _ref("TensorMetadata")},
            },
        },
        "Parameters": parameters,
        "RequestInput": {
            "type": "object",
            "description": f"An [N, {n}] tensor, N <= {max_rows}; data row-major flat or nested as [N][{n}]. "
                           f"Columns: {', '.join(features)}.",
            "required": ["name", "shape", "datatype", "data"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "enum": [INPUT_NAME]},
                "shape": {
                    "type": "array",
                    "prefixItems": [{"type": "integer", "minimum": 1, "maximum": max_rows}, {"const": n}],
                    "minItems": 2,
                    "maxItems": 2,
                },
                "datatype": {"type": "string", "enum": list(INPUT_DATATYPES)},
                "parameters": _ref("Parameters"),
                "data": {"type": "array", "minItems": 1,
                         "items": {"oneOf": [dict(number), _ref("FeatureRow")]}},
            },
            "examples": [{"name": INPUT_NAME, "shape": [1, n], "datatype": "FP32",
                          "data": [EXAMPLE_ROWS[labels[-1]][name] for name in features]}],
        },
        "RequestOutput": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "enum": list(OUTPUTS)}, "parameters": _ref("Parameters"),
            },
        },
        "InferenceRequest": {
            "type": "object",
            "required": ["inputs"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string"},
                "parameters": _ref("Parameters"),
                "inputs": {"type": "array", "items": _ref("RequestInput"), "minItems": 1, "maxItems": 1},
                "outputs": {"type": "array", "items": _ref("RequestOutput")},
            },
        },
        "ResponseOutput": {
            "type": "object",
            "required": ["name", "datatype", "shape", "data"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "enum": list(OUTPUTS)},
                "datatype": {"type": "string", "enum": sorted(set(OUTPUTS.values()))},
                "shape": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 1},
                "data": {"type": "array", "items": {"type": "number"}},
            },
        },
        "InferenceResponse": {
            "type": "object",
            "required": ["model_name", "outputs"],
            "additionalProperties": False,
            "properties": {
                "model_name": {"type": "string"},
                "model_version": {"type": "string"},
                "id": {"type": "string"},
                "outputs": {"type": "array", "items": _ref("ResponseOutput")},
            },
        },
    }

    def v2_model_paths(prefix: str, params: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            prefix: {"get": {
                "summary": "Model metadata (Open Inference Protocol)", "tags": ["v2"], "parameters": params,
                "responses": {"200": _json_body(_ref("ModelMetadata"), "Name, versions, platform, tensors."),
                              **_errors(404)},
            }},
            f"{prefix}/ready": {"get": {
                "summary": "Model readiness", "tags": ["v2"], "parameters": params,
                "responses": {"200": _json_body(_ref("ModelReady"), "The model is ready."), **_errors(404)},
            }},
            f"{prefix}/infer": {"post": {
                "summary": "Inference (Open Inference Protocol)",
                "description": f"Input {INPUT_NAME!r}: FP32 or FP64, shape [N, {n}]. Outputs: 'label' "
                               "(INT64, [N]) and 'probability' (FP64, [N], of the predicted label). "
                               "'id' is echoed.",
                "tags": ["v2"], "parameters": params,
                "requestBody": {"required": True, "content": {JSON: {"schema": _ref("InferenceRequest")}}},
                "responses": {
                    "200": _json_body(_ref("InferenceResponse"), "One label and probability per row."),
                    **_errors(400, 404, 413, 415, 422),
                },
            }},
        }

    paths: dict[str, Any] = {
        "/": {"get": {"summary": "A page to check one note by hand", "tags": ["pages"],
                      **_page("HTML page.", "text/html")}},
        "/docs": {"get": {"summary": "This description as a readable page", "tags": ["pages"],
                          **_page("HTML page.", "text/html")}},
        "/openapi.json": {"get": {"summary": "This description", "tags": ["pages"],
                                  **_ok({"type": "object"}, "OpenAPI 3.1 document.")}},
        "/metrics": {"get": {"summary": "Prometheus metrics (text format 0.0.4)", "tags": ["operations"],
                             **_page("Requests and latency per handler; predictions per class.",
                                     "text/plain")}},
        "/predict": {
            "post": {
                "summary": "Classify one note or a batch",
                "description": f"One object of the {n} features answers one Prediction; an array of such "
                               f'objects, or {{"instances": [[{", ".join(features)}], ...]}}, answers '
                               f"Predictions in the same order. At most {max_rows} rows and "
                               f"{max_body_bytes} bytes per request.",
                "tags": ["predict"],
                "requestBody": {"required": True, "content": {JSON: {"schema": {
                    "oneOf": [_ref("Features"), _ref("FeaturesList"), _ref("Instances")]}}}},
                "responses": {
                    "200": _json_body({"oneOf": [_ref("Prediction"), _ref("Predictions")]},
                                      "A Prediction for one object, Predictions for a batch."),
                    **_errors(400, 413, 415, 422),
                },
            },
            "get": {
                "summary": "Classify one note given in the query string",
                "tags": ["predict"],
                "parameters": [{"name": name, "in": "query", "required": True, "schema": dict(number)}
                               for name in features],
                "responses": {"200": _json_body(_ref("Prediction"), "The prediction."), **_errors(422)},
            },
        },
        "/v2": {"get": {"summary": "Server metadata (Open Inference Protocol)", "tags": ["v2"],
                        **_ok(_ref("ServerMetadata"), "Name, version, extensions.")}},
        "/v2/health/live": {"get": {"summary": "Liveness", "tags": ["v2"],
                                    **_ok(_ref("Live"), "The server is live.")}},
        "/v2/health/ready": {"get": {"summary": "Readiness", "tags": ["v2"],
                                     **_ok(_ref("Ready"), "The model is loaded.")}},
        **v2_model_paths("/v2/models/{model_name}", [model_name]),
        **v2_model_paths("/v2/models/{model_name}/versions/{model_version}", [model_name, model_version]),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bank-note authentication",
            "version": SERVICE_VERSION,
            "description": (
                f"A random forest classifies a bank note from {n} wavelet features of its image: "
                + ", ".join(f"label {label} = {name}" for label, name in zip(labels, names, strict=True))
                + f". Model version {model.version}. Every error is JSON {{\"error\": \"...\"}}."
            ),
        },
        "paths": paths,
        "components": {"schemas": schemas},
    }
