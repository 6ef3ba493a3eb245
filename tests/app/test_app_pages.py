"""GET /, /docs and /openapi.json: self-contained pages and a complete, valid API description."""

import json
import re

import pytest
from openapi_spec_validator import validate

from app.examples import EXAMPLE_ROWS
from training.schema import CLASS_NAMES, FEATURES


def test_index_page_has_the_form_and_example_buttons(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for name in FEATURES:
        assert f'name="{name}"' in html
    for name in CLASS_NAMES:
        assert f"Fill {name} example" in html
    assert 'id="verdict"' in html


def test_example_buttons_carry_rows_the_model_classifies_as_labelled(client):
    html = client.get("/").get_data(as_text=True)
    buttons = re.findall(r"data-values='([^']*)'>\s*Fill (\w+) example", html)
    assert len(buttons) == len(CLASS_NAMES)
    for values, name in buttons:
        row = json.loads(values)
        assert client.post("/predict", json=row).json["class"] == name


def test_examples_are_rows_of_the_data_set(data_rows):
    rows = {(tuple(features[name] for name in FEATURES), label) for features, label in data_rows}
    for label, example in EXAMPLE_ROWS.items():
        assert (tuple(example[name] for name in FEATURES), label) in rows


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_pages_load_nothing_from_elsewhere(client, path):
    """No CDN: every src/href is a local path, and the CSP forbids other origins and inline code."""
    response = client.get(path)
    html = response.get_data(as_text=True)
    urls = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert urls, "the page links nothing: the check below would pass on an empty page"
    for url in urls:
        assert url.startswith(("/", "#")), url
    assert "<script>" not in html  # no inline script
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp


def test_static_assets_are_served(client):
    html = client.get("/").get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="(/static/[^"]*)"', html)
    assert assets, "GET / loads no /static/ asset"
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_openapi_is_a_valid_openapi_3_document(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_openapi_describes_every_route(app, client):
    """Every route the app serves (but static files) is in the description, with its methods."""
    spec = client.get("/openapi.json").json
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], f"{method} {path}"


def test_openapi_schemas_are_strict(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]
    features = schemas["Features"]
    assert features["required"] == list(FEATURES)
    assert features["additionalProperties"] is False
    assert all(features["properties"][name]["type"] == "number" for name in FEATURES)
    for name, schema in schemas.items():
        if schema.get("type") == "object" and name != "Parameters":
            assert schema["additionalProperties"] is False, name
            assert "required" in schema, name


def test_openapi_states_the_limits(client):
    spec = client.get("/openapi.json").json
    assert spec["components"]["schemas"]["FeaturesList"]["maxItems"] == 1000
    assert "1048576 bytes" in spec["paths"]["/predict"]["post"]["description"]


def test_docs_page_renders_every_operation(client):
    spec = client.get("/openapi.json").json
    html = client.get("/docs").get_data(as_text=True)
    assert spec["paths"]
    assert spec["components"]["schemas"]
    for path, methods in spec["paths"].items():
        for method in methods:
            assert f'id="{method.upper()}-{path}"' in html, f"{method} {path}"
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
