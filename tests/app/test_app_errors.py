"""Bad input never gets a 5xx: every case gets a JSON {"error"} naming the problem, with the fitting 4xx."""

import json

import pytest

from app import create_app

GOOD = {"variance": 3.6216, "skewness": 8.6661, "curtosis": -2.8073, "entropy": -0.44699}
GOOD_ROW = list(GOOD.values())


def with_value(name, value):
    return {**GOOD, name: value}


def assert_error(response, status, *words):
    """The status, a JSON body of exactly {"error": text}, and each word in the text."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = json.loads(response.data)
    assert list(body) == ["error"]
    assert isinstance(body["error"], str)
    for word in words:
        assert word in body["error"], body["error"]


# (raw body, status, words the message must contain)
RAW_BODIES = {
    "truncated JSON": (b'{"variance": 1,', 400, ["malformed JSON"]),
    "empty body": (b"", 400, ["empty body"]),
    "whitespace body": (b"  \n", 400, ["empty body"]),
    "NaN": (b'{"variance": NaN, "skewness": 1, "curtosis": 1, "entropy": 1}', 400, ["NaN"]),
    "Infinity": (b'{"variance": Infinity, "skewness": 1, "curtosis": 1, "entropy": 1}', 400, ["Infinity"]),
    "-Infinity": (b'{"variance": -Infinity, "skewness": 1, "curtosis": 1, "entropy": 1}', 400, ["-Infinity"]),
    "NaN in instances": (b'{"instances": [[1, 2, 3, NaN]]}', 400, ["NaN"]),
    "overflowing exponent": (b'{"variance": 1e999, "skewness": 1, "curtosis": 1, "entropy": 1}', 422,
                             ["variance", "out of range"]),
    "beyond float32": (b'{"variance": 1e39, "skewness": 1, "curtosis": 1, "entropy": 1}', 422,
                       ["variance", "out of range"]),
    "huge integer": (b'{"variance": ' + b"9" * 400 + b', "skewness": 1, "curtosis": 1, "entropy": 1}', 422,
                     ["variance", "out of range"]),
    "integer past Python's digit limit": (b'{"variance": ' + b"9" * 5000 + b"}", 400, ["malformed JSON"]),
    "invalid UTF-8": (b'{"variance": "\xff\xfe"}', 400, ["malformed JSON"]),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, 400, ["malformed JSON"]),
    "top-level null": (b"null", 422, ["got null"]),
    "trailing garbage": (json.dumps(GOOD).encode() + b" x", 400, ["malformed JSON"]),
}


@pytest.mark.parametrize(("body", "status", "words"), RAW_BODIES.values(), ids=RAW_BODIES.keys())
def test_post_predict_raw_bodies(client, body, status, words):
    assert_error(client.post("/predict", data=body, content_type="application/json"), status, *words)


JSON_BODIES = {
    "missing feature": ({k: v for k, v in GOOD.items() if k != "entropy"}, ["missing entropy"]),
    "extra feature": ({**GOOD, "colour": 1}, ["unknown 'colour'"]),
    "misspelt feature": ({**{k: v for k, v in GOOD.items() if k != "curtosis"}, "kurtosis": 1},
                         ["missing curtosis", "unknown 'kurtosis'"]),
    "empty object": ({}, ["missing variance, skewness, curtosis, entropy"]),
    "string value": (with_value("variance", "3.6"), ["variance", "expected a number, got string"]),
    "null value": (with_value("skewness", None), ["skewness", "got null"]),
    "boolean true": (with_value("curtosis", True), ["curtosis", "got boolean"]),
    "boolean false": (with_value("entropy", False), ["entropy", "got boolean"]),
    "array value": (with_value("variance", [1.0]), ["variance", "got array"]),
    "object value": (with_value("variance", {"v": 1}), ["variance", "got object"]),
    "top-level string": ("3.6,8.6,-2.8,-0.4", ["got string"]),
    "top-level number": (3.6, ["got number"]),
    "top-level boolean": (True, ["got boolean"]),
    "empty list": ([], ["at least one row"]),
    "list of numbers": (GOOD_ROW, ["[0]", "expected an object"]),
    "list with a bad row": ([GOOD, with_value("entropy", "x")], ["[1].entropy", "got string"]),
    "list with a missing field": ([GOOD, {"variance": 1}], ["[1]", "missing skewness"]),
    "instances not a list": ({"instances": GOOD}, ["instances", "expected an array"]),
    "instances empty": ({"instances": []}, ["instances", "at least one row"]),
    "instances short row": ({"instances": [GOOD_ROW[:3]]}, ["instances[0]", "got 3 items"]),
    "instances long row": ({"instances": [[*GOOD_ROW, 1.0]]}, ["instances[0]", "got 5 items"]),
    "instances row of objects": ({"instances": [GOOD]}, ["instances[0]", "got object"]),
    "instances bad value": ({"instances": [GOOD_ROW, [1, 2, True, 4]]}, ["instances[1][2]", "got boolean"]),
    "instances plus extra key": ({"instances": [GOOD_ROW], "model": "x"}, ["unknown 'model'"]),
    "too many rows": ([GOOD] * 1001, ["1001 rows", "limit of 1000"]),
    "too many instances": ({"instances": [GOOD_ROW] * 1001}, ["1001 rows", "limit of 1000"]),
}


@pytest.mark.parametrize(("body", "words"), JSON_BODIES.values(), ids=JSON_BODIES.keys())
def test_post_predict_schema_violations(client, body, words):
    assert_error(client.post("/predict", json=body), 422, *words)


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml",
])
def test_post_predict_wrong_content_type(client, content_type):
    response = client.post("/predict", data=json.dumps(GOOD), content_type=content_type)
    assert_error(response, 415, content_type.split(";")[0], "application/json")


def test_form_post_is_refused_with_415(client):
    assert_error(client.post("/predict", data=GOOD), 415, "application/x-www-form-urlencoded")


def test_body_over_the_limit_is_413_json(serving_dir):
    client = create_app({"MODEL_DIR": str(serving_dir), "MAX_CONTENT_LENGTH": 200}).test_client()
    assert client.post("/predict", json=GOOD).status_code == 200
    response = client.post("/predict", json=[GOOD] * 5)
    assert_error(response, 413, "limit is 200 bytes")


def test_default_body_limit_is_413_json(client):
    response = client.post("/predict", data=b" " * (2 * 1024 * 1024), content_type="application/json")
    assert_error(response, 413, "too large")


QUERIES = {
    "missing parameter": ({k: v for k, v in GOOD.items() if k != "variance"}, ["missing variance"]),
    "no parameters": ({}, ["missing variance, skewness, curtosis, entropy"]),
    "extra parameter": ({**GOOD, "debug": "1"}, ["unknown 'debug'"]),
    "word": (with_value("variance", "abc"), ["variance", "'abc'"]),
    "empty": (with_value("variance", ""), ["variance", "expected a number"]),
    "nan": (with_value("skewness", "nan"), ["skewness", "'nan'"]),
    "NaN": (with_value("skewness", "NaN"), ["skewness"]),
    "inf": (with_value("curtosis", "inf"), ["curtosis", "'inf'"]),
    "-Infinity": (with_value("curtosis", "-Infinity"), ["curtosis"]),
    "underscore digits": (with_value("entropy", "1_000"), ["entropy"]),
    "padded": (with_value("entropy", " 1.5"), ["entropy"]),
    "hex": (with_value("entropy", "0x10"), ["entropy"]),
    "boolean word": (with_value("entropy", "true"), ["entropy"]),
    "beyond float32": (with_value("variance", "1e39"), ["variance", "out of range"]),
    "overflow": (with_value("variance", "1e999"), ["variance", "out of range"]),
}


@pytest.mark.parametrize(("query", "words"), QUERIES.values(), ids=QUERIES.keys())
def test_get_predict_bad_queries(client, query, words):
    assert_error(client.get("/predict", query_string=query), 422, *words)


def test_get_predict_repeated_parameter(client):
    response = client.get("/predict?variance=1&variance=2&skewness=1&curtosis=1&entropy=1")
    assert_error(response, 422, "variance", "more than once")


V2_INFER = "/v2/models/banknote/infer"


def tensor(**changes):
    return {"name": "features", "shape": [1, 4], "datatype": "FP32", "data": GOOD_ROW, **changes}


V2_BODIES = {
    "not an object": ([tensor()], 422, ["expected an inference request object"]),
    "missing inputs": ({"id": "1"}, 422, ["missing inputs"]),
    "unknown field": ({"inputs": [tensor()], "model": "x"}, 422, ["unknown 'model'"]),
    "inputs not a list": ({"inputs": tensor()}, 422, ["inputs", "exactly one tensor"]),
    "no inputs": ({"inputs": []}, 422, ["inputs", "got 0 tensors"]),
    "two inputs": ({"inputs": [tensor(), tensor()]}, 422, ["got 2 tensors"]),
    "input not an object": ({"inputs": [GOOD_ROW]}, 422, ["inputs[0]", "tensor object"]),
    "input missing data": ({"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP32"}]}, 422,
                           ["inputs[0]", "missing data"]),
    "input unknown field": ({"inputs": [tensor(dtype="x")]}, 422, ["unknown 'dtype'"]),
    "wrong input name": ({"inputs": [tensor(name="input-0")]}, 422, ["inputs[0].name", "'features'"]),
    "datatype INT64": ({"inputs": [tensor(datatype="INT64")]}, 422, ["datatype", "FP32, FP64", "'INT64'"]),
    "datatype BYTES": ({"inputs": [tensor(datatype="BYTES")]}, 422, ["datatype"]),
    "datatype lower case": ({"inputs": [tensor(datatype="fp32")]}, 422, ["datatype"]),
    "datatype not a string": ({"inputs": [tensor(datatype=32)]}, 422, ["datatype"]),
    "shape 1-D": ({"inputs": [tensor(shape=[4])]}, 422, ["shape", "[N, 4]"]),
    "shape wrong width": ({"inputs": [tensor(shape=[1, 3], data=GOOD_ROW[:3])]}, 422, ["shape", "[1, 3]"]),
    "shape 3-D": ({"inputs": [tensor(shape=[1, 1, 4])]}, 422, ["shape"]),
    "shape zero rows": ({"inputs": [tensor(shape=[0, 4], data=[])]}, 422, ["shape", "N >= 1"]),
    "shape negative": ({"inputs": [tensor(shape=[-1, 4])]}, 422, ["shape"]),
    "shape float": ({"inputs": [tensor(shape=[1.0, 4])]}, 422, ["shape"]),
    "shape boolean": ({"inputs": [tensor(shape=[True, 4])]}, 422, ["shape"]),
    "shape not a list": ({"inputs": [tensor(shape="1,4")]}, 422, ["shape"]),
    "too many rows": ({"inputs": [tensor(shape=[1001, 4], data=GOOD_ROW * 1001)]}, 422, ["limit of 1000"]),
    "data too short": ({"inputs": [tensor(shape=[2, 4])]}, 422, ["4 values", "8 expected"]),
    "data too long": ({"inputs": [tensor(data=GOOD_ROW * 2)]}, 422, ["8 values", "4 expected"]),
    "data not a list": ({"inputs": [tensor(data=1.0)]}, 422, ["data", "expected an array"]),
    "data string": ({"inputs": [tensor(data=["1", 2, 3, 4])]}, 422, ["data[0]", "got string"]),
    "data boolean": ({"inputs": [tensor(data=[1, 2, 3, True])]}, 422, ["data[3]", "got boolean"]),
    "data null": ({"inputs": [tensor(data=[1, None, 3, 4])]}, 422, ["data[1]", "got null"]),
    "data beyond float32": ({"inputs": [tensor(data=[1, 2, 3, 1e300])]}, 422, ["data[3]", "out of range"]),
    "nested mismatched": ({"inputs": [tensor(shape=[2, 4], data=[GOOD_ROW, GOOD_ROW[:3]])]}, 422,
                          ["nested data does not match"]),
    "nested wrong count": ({"inputs": [tensor(shape=[2, 4], data=[GOOD_ROW])]}, 422, ["nested"]),
    "mixed nesting": ({"inputs": [tensor(shape=[1, 4], data=[1, [2], 3, 4])]}, 422, ["data[1]", "got array"]),
    "binary data": ({"inputs": [tensor(parameters={"binary_data_size": 16})]}, 422, ["binary"]),
    "parameters not an object": ({"inputs": [tensor()], "parameters": [1]}, 422, ["parameters"]),
    "parameter value object": ({"inputs": [tensor()], "parameters": {"a": {}}}, 422, ["parameters.a"]),
    "id not a string": ({"id": 7, "inputs": [tensor()]}, 422, ["id", "expected a string"]),
    "id null": ({"id": None, "inputs": [tensor()]}, 422, ["id", "got null"]),
    "parameters null": ({"inputs": [tensor()], "parameters": None}, 422, ["parameters", "got null"]),
    "input parameters null": ({"inputs": [tensor(parameters=None)]}, 422, ["inputs[0].parameters"]),
    "outputs null": ({"inputs": [tensor()], "outputs": None}, 422, ["outputs", "got null"]),
    "output parameters null": ({"inputs": [tensor()], "outputs": [{"name": "label", "parameters": None}]},
                               422, ["outputs[0].parameters", "got null"]),
    "outputs not a list": ({"inputs": [tensor()], "outputs": {"name": "label"}}, 422, ["outputs"]),
    "unknown output": ({"inputs": [tensor()], "outputs": [{"name": "proba"}]}, 422, ["outputs[0].name"]),
    "output without name": ({"inputs": [tensor()], "outputs": [{}]}, 422, ["outputs[0]"]),
    "output unknown field": ({"inputs": [tensor()], "outputs": [{"name": "label", "x": 1}]}, 422,
                             ["unknown 'x'"]),
}


@pytest.mark.parametrize(("body", "status", "words"), V2_BODIES.values(), ids=V2_BODIES.keys())
def test_v2_infer_bad_requests(client, body, status, words):
    assert_error(client.post(V2_INFER, json=body), status, *words)


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b'{"inputs": [', "application/json", 400),
    (b'{"inputs": [{"name": "features", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 3, NaN]}]}',
     "application/json", 400),
    (b"", "application/json", 400),
    (json.dumps({"inputs": [tensor()]}).encode(), "text/plain", 415),
])
def test_v2_infer_bad_bodies(client, body, content_type, status):
    assert_error(client.post(V2_INFER, data=body, content_type=content_type), status)


@pytest.mark.parametrize("path", [
    "/v2/models/other", "/v2/models/other/ready", "/v2/models/Banknote", "/v2/models/banknote/versions/0",
    "/v2/models/banknote/versions/0/ready",
])
def test_v2_unknown_model_or_version_is_404(client, path):
    assert_error(client.get(path), 404, "unknown")


@pytest.mark.parametrize("path", ["/v2/models/other/infer", "/v2/models/banknote/versions/0/infer"])
def test_v2_infer_unknown_model_or_version_is_404(client, path):
    assert_error(client.post(path, json={"inputs": [tensor()]}), 404, "unknown")


@pytest.mark.parametrize("path", [
    "/nope", "/predict/", "/predict/1", "/v2/", "/v2/models", "/v2/models/banknote/explain",
    "/v2//health/live", "/static/missing.js", "/v2/health", "/openapi.yaml",
])
def test_unknown_routes_are_404_json(client, path):
    # PATH_INFO set directly: the test client would read "//x" as a host name.
    assert_error(client.get("/", environ_overrides={"PATH_INFO": path}), 404, "not found")


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("put", "/predict", "GET, HEAD, OPTIONS, POST"),
    ("delete", "/predict", "POST"),
    ("patch", "/predict", "POST"),
    ("post", "/", "GET"),
    ("post", "/v2", "GET"),
    ("post", "/v2/health/live", "GET"),
    ("post", "/v2/health/ready", "GET"),
    ("get", V2_INFER, "POST"),
    ("put", "/v2/models/banknote", "GET"),
    ("post", "/metrics", "GET"),
    ("post", "/openapi.json", "GET"),
])
def test_wrong_methods_are_405_json_with_allow(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert_error(response, 405, "method not allowed")
    for name in allowed.split(", "):
        assert name in response.headers["Allow"]
        assert name in response.json["error"]


def test_unexpected_exception_is_a_json_500_without_internals(serving_dir):
    """The generic 500 handler: a bug answers JSON without leaking its message (tests show none occur)."""
    app = create_app({"MODEL_DIR": str(serving_dir)})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert_error(response, 500, "internal server error")
    assert b"secret" not in response.data


@pytest.mark.parametrize("body", [
    {**GOOD, "x" * 100_000: 1},
    {**GOOD, **{f"extra{i}": i for i in range(1000)}},
    with_value("variance", int("9" * 4000)),
    {"inputs": [tensor(name="n" * 100_000)]},
])
def test_error_messages_do_not_echo_huge_input(client, body):
    path = V2_INFER if "inputs" in body else "/predict"
    response = client.post(path, json=body)
    assert_error(response, 422)
    assert len(response.json["error"]) < 400
