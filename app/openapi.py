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
    """The whole document: info, every path and every component schema."""
    return {
        "openapi": "3.1.0",
        "info": _info(model),
        "paths": {
            **_page_paths(),
            "/predict": {"post": _predict_post(model, max_rows, max_body_bytes), "get": _predict_get(model)},
            **_v2_server_paths(),
            **_v2_model_paths(model, "/v2/models/{model_name}", [_MODEL_NAME]),
            **_v2_model_paths(model, "/v2/models/{model_name}/versions/{model_version}",
                              [_MODEL_NAME, _model_version(model)]),
        },
        "components": {"schemas": {
            **_feature_schemas(model, max_rows),
            **_prediction_schemas(model),
            **_health_schemas(),
            **_v2_metadata_schemas(),
            **_v2_inference_schemas(model, max_rows),
        }},
    }


def _info(model: Classifier) -> dict[str, Any]:
    classes = ", ".join(
        f"label {label} = {name}" for label, name in zip(model.labels, model.class_names, strict=True)
    )
    return {
        "title": "Bank-note authentication",
        "version": SERVICE_VERSION,
        "description": (
            f"A random forest classifies a bank note from {model.n_features} wavelet features of its "
            f"image: {classes}. Model version {model.version}. Every error is JSON {{\"error\": \"...\"}}."
        ),
    }


def _number() -> dict[str, Any]:
    """A feature value: any JSON number the model can compare in float32."""
    return {"type": "number", "minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX}


def _object(properties: dict[str, Any], required: list[str], **extra: Any) -> dict[str, Any]:
    """A closed object schema: the listed properties and no others."""
    return {"type": "object", **extra, "required": required, "additionalProperties": False,
            "properties": properties}


def _example_row(model: Classifier) -> dict[str, float]:
    """A genuine note (the highest label) from the data set."""
    return EXAMPLE_ROWS[model.labels[-1]]


# Schemas, grouped by the endpoints that use them.

def _feature_schemas(model: Classifier, max_rows: int) -> dict[str, Any]:
    """One note as an object or as an ordered row, and /predict's two batch forms."""
    features, n = model.feature_names, model.n_features
    rows = {"type": "array", "items": _ref("FeatureRow"), "minItems": 1, "maxItems": max_rows}
    return {
        "Features": {
            **_object({name: _number() for name in features}, list(features),
                      description="One bank note's wavelet features."),
            "examples": [_example_row(model)],
        },
        "FeatureRow": {
            "type": "array",
            "description": f"The {n} features in this order: {', '.join(features)}.",
            "prefixItems": [{**_number(), "title": name} for name in features],
            "minItems": n,
            "maxItems": n,
        },
        "FeaturesList": {"type": "array", "items": _ref("Features"), "minItems": 1, "maxItems": max_rows},
        "Instances": _object({"instances": rows}, ["instances"]),
    }


def _prediction_schemas(model: Classifier) -> dict[str, Any]:
    """/predict's answers, and the error body every endpoint shares."""
    probability = {
        "type": "number", "minimum": 0, "maximum": 1,
        "description": "Probability of the predicted class (the mean of the trees' votes); "
                       "at least 1/number of classes. A tie goes to the lower label.",
    }
    predictions = {"type": "array", "items": _ref("Prediction"),
                   "description": "One result per row, in the request's order."}
    return {
        "Prediction": _object({
            "label": {"type": "integer", "enum": list(model.labels)},
            "class": {"type": "string", "enum": list(model.class_names), "description": "The label's name."},
            "probability": probability,
        }, ["label", "class", "probability"]),
        "Predictions": _object({"predictions": predictions}, ["predictions"]),
        "Error": _object({"error": {"type": "string"}}, ["error"]),
    }


def _health_schemas() -> dict[str, Any]:
    """The Open Inference Protocol's server metadata and health answers."""
    string, boolean = {"type": "string"}, {"type": "boolean"}
    return {
        "ServerMetadata": _object(
            {"name": string, "version": string, "extensions": {"type": "array", "items": string}},
            ["name", "version", "extensions"],
        ),
        "Live": _object({"live": boolean}, ["live"]),
        "Ready": _object({"ready": boolean}, ["ready"]),
        "ModelReady": _object({"name": string, "ready": boolean}, ["name", "ready"]),
    }


def _v2_metadata_schemas() -> dict[str, Any]:
    """The Open Inference Protocol's model metadata."""
    string = {"type": "string"}
    tensors = {"type": "array", "items": _ref("TensorMetadata")}
    return {
        "TensorMetadata": _object(
            {"name": string, "datatype": string, "shape": {"type": "array", "items": {"type": "integer"}}},
            ["name", "datatype", "shape"],
        ),
        "ModelMetadata": _object(
            {"name": string, "versions": {"type": "array", "items": string}, "platform": string,
             "inputs": tensors, "outputs": tensors},
            ["name", "versions", "platform", "inputs", "outputs"],
        ),
    }


def _v2_inference_schemas(model: Classifier, max_rows: int) -> dict[str, Any]:
    """The Open Inference Protocol's inference request and response."""
    output_names = {"type": "string", "enum": list(OUTPUTS)}
    return {
        "Parameters": {
            "type": "object",
            "description": "Key/value parameters (accepted, none changes the answer).",
            "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]},
        },
        "RequestInput": _request_input(model, max_rows),
        "RequestOutput": _object({"name": output_names, "parameters": _ref("Parameters")}, ["name"]),
        "InferenceRequest": _object({
            "id": {"type": "string"},
            "parameters": _ref("Parameters"),
            "inputs": {"type": "array", "items": _ref("RequestInput"), "minItems": 1, "maxItems": 1},
            "outputs": {"type": "array", "items": _ref("RequestOutput")},
        }, ["inputs"]),
        "ResponseOutput": _object({
            "name": output_names,
            "datatype": {"type": "string", "enum": sorted(set(OUTPUTS.values()))},
            "shape": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 1},
            "data": {"type": "array", "items": {"type": "number"}},
        }, ["name", "datatype", "shape", "data"]),
        "InferenceResponse": _object({
            "model_name": {"type": "string"},
            "model_version": {"type": "string"},
            "id": {"type": "string"},
            "outputs": {"type": "array", "items": _ref("ResponseOutput")},
        }, ["model_name", "outputs"]),
    }


def _request_input(model: Classifier, max_rows: int) -> dict[str, Any]:
    """The one input tensor: [N, n_features], data flat or nested."""
    features, n = model.feature_names, model.n_features
    shape = {
        "type": "array",
        "prefixItems": [{"type": "integer", "minimum": 1, "maximum": max_rows}, {"const": n}],
        "minItems": 2,
        "maxItems": 2,
    }
    example = {"name": INPUT_NAME, "shape": [1, n], "datatype": "FP32",
               "data": [_example_row(model)[name] for name in features]}
    return {
        **_object({
            "name": {"type": "string", "enum": [INPUT_NAME]},
            "shape": shape,
            "datatype": {"type": "string", "enum": list(INPUT_DATATYPES)},
            "parameters": _ref("Parameters"),
            "data": {"type": "array", "minItems": 1, "items": {"oneOf": [_number(), _ref("FeatureRow")]}},
        }, ["name", "shape", "datatype", "data"],
            description=f"An [N, {n}] tensor, N <= {max_rows}; data row-major flat or nested as [N][{n}]. "
                        f"Columns: {', '.join(features)}."),
        "examples": [example],
    }


# Paths, one function per group or operation.

_MODEL_NAME = {"name": "model_name", "in": "path", "required": True,
               "schema": {"type": "string", "enum": [MODEL_NAME]}}


def _model_version(model: Classifier) -> dict[str, Any]:
    return {"name": "model_version", "in": "path", "required": True,
            "schema": {"type": "string", "enum": [model.version]}}


def _page_paths() -> dict[str, Any]:
    """The pages, this description and the metrics."""
    return {
        "/": {"get": {"summary": "A page to check one note by hand", "tags": ["pages"],
                      **_page("HTML page.", "text/html")}},
        "/docs": {"get": {"summary": "This description as a readable page", "tags": ["pages"],
                          **_page("HTML page.", "text/html")}},
        "/openapi.json": {"get": {"summary": "This description", "tags": ["pages"],
                                  **_ok({"type": "object"}, "OpenAPI 3.1 document.")}},
        "/metrics": {"get": {"summary": "Prometheus metrics (text format 0.0.4)", "tags": ["operations"],
                             **_page("Requests and latency per handler; predictions per class.",
                                     "text/plain")}},
    }


def _predict_post(model: Classifier, max_rows: int, max_body_bytes: int) -> dict[str, Any]:
    body = {"oneOf": [_ref("Features"), _ref("FeaturesList"), _ref("Instances")]}
    return {
        "summary": "Classify one note or a batch",
        "description": f"One object of the {model.n_features} features answers one Prediction; an array of "
                       f'such objects, or {{"instances": [[{", ".join(model.feature_names)}], ...]}}, '
                       f"answers Predictions in the same order. At most {max_rows} rows and "
                       f"{max_body_bytes} bytes per request.",
        "tags": ["predict"],
        "requestBody": {"required": True, "content": {JSON: {"schema": body}}},
        "responses": {
            "200": _json_body({"oneOf": [_ref("Prediction"), _ref("Predictions")]},
                              "A Prediction for one object, Predictions for a batch."),
            **_errors(400, 413, 415, 422),
        },
    }


def _predict_get(model: Classifier) -> dict[str, Any]:
    return {
        "summary": "Classify one note given in the query string",
        "tags": ["predict"],
        "parameters": [{"name": name, "in": "query", "required": True, "schema": _number()}
                       for name in model.feature_names],
        "responses": {"200": _json_body(_ref("Prediction"), "The prediction."), **_errors(422)},
    }


def _v2_server_paths() -> dict[str, Any]:
    return {
        "/v2": {"get": {"summary": "Server metadata (Open Inference Protocol)", "tags": ["v2"],
                        **_ok(_ref("ServerMetadata"), "Name, version, extensions.")}},
        "/v2/health/live": {"get": {"summary": "Liveness", "tags": ["v2"],
                                    **_ok(_ref("Live"), "The server is live.")}},
        "/v2/health/ready": {"get": {"summary": "Readiness", "tags": ["v2"],
                                     **_ok(_ref("Ready"), "The model is loaded.")}},
    }


def _v2_model_paths(model: Classifier, prefix: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    """A model's metadata, readiness and inference under `prefix` (with or without a version)."""
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
        f"{prefix}/infer": {"post": _v2_infer(model, params)},
    }


def _v2_infer(model: Classifier, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "summary": "Inference (Open Inference Protocol)",
        "description": f"Input {INPUT_NAME!r}: FP32 or FP64, shape [N, {model.n_features}]. Outputs: 'label' "
                       "(INT64, [N]) and 'probability' (FP64, [N], of the predicted label). "
                       "'id' is echoed.",
        "tags": ["v2"], "parameters": params,
        "requestBody": {"required": True, "content": {JSON: {"schema": _ref("InferenceRequest")}}},
        "responses": {
            "200": _json_body(_ref("InferenceResponse"), "One label and probability per row."),
            **_errors(400, 404, 413, 415, 422),
        },
    }
