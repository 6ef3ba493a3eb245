"""The report and the model card render from their Jinja2 templates: values escaped in the HTML
report, kept literal in the Markdown card, and a missing value is an error, not an empty cell."""

from __future__ import annotations

from typing import Any

import jinja2
import numpy as np
import pytest

from training import card, data, explore, report, schema

HOSTILE = '<script>alert("x")</script> & \'quoted\''
PLOTS = ("class_balance", "distributions", "pairs", "correlation", "feature_importance", "cv_spread",
         "confusion_matrix", "roc_curve")


def _cv(mean: float) -> dict[str, Any]:
    return {"accuracy_mean": mean, "accuracy_std": 0.01, "roc_auc_mean": 0.99, "roc_auc_std": 0.001}


@pytest.fixture
def report_data() -> dict[str, Any]:
    """A small, complete input for report.render_html, with hostile text wherever text goes."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, len(schema.FEATURES)))
    y = np.repeat(np.asarray(schema.CLASSES), 20)
    dataset = data.Dataset(X=X, y=y, source=f"https://example.invalid/{HOSTILE}", file_sha256="a" * 64,
                           content_sha256="b" * 64, had_header=True)
    dedup = data.Deduplicated(X=X, y=y, n_before=42, duplicate_rows=[3, 9])
    importance = dict.fromkeys(schema.FEATURES, 0.25)
    return {
        "X": X, "y": y, "dataset": dataset, "dedup": dedup, "seed": 42, "training_revision": HOSTILE,
        "sklearn_version": "1.0", "correlations": explore.correlations(X, y),
        "features": {"impurity_importance": importance, "permutation_importance": importance,
                     "permutation_importance_std": importance, "decision": f"decided {HOSTILE}"},
        "cv": {"random_forest": _cv(0.99), HOSTILE: _cv(0.98)},
        "search": [{"params": {"n_estimators": 100, "note": HOSTILE}, **_cv(0.99)}],
        "selected": {"n_estimators": 100}, "selection_note": f"because {HOSTILE}",
        "held_out": {"n_test": 8, "positive_class": "genuine", "accuracy": 1.0, "precision": 1.0,
                     "recall": 1.0, "f1": 1.0, "roc_auc": 1.0, "confusion_matrix": [[4, 0], [0, 4]]},
        "timings_s": {"load_and_validate": 0.01},
    }


def test_report_escapes_every_value(report_data: dict[str, Any]) -> None:
    plots = {name: f"{name}.png" for name in PLOTS}
    plots["roc_curve"] = 'roc.png" onerror="alert(1)'
    html = report.render_html(report_data, plots)
    assert "<script>" not in html
    assert 'onerror="' not in html
    assert 'src="roc.png&#34; onerror=&#34;alert(1)"' in html  # the attribute cannot be left
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quoted&#39;"
    # Source, revision, decision, a model's name, a search parameter and the selection note.
    assert html.count(escaped) == 6
    # The markup the template itself writes is not escaped.
    assert "<h2>Held-out test (8 rows, scored once)</h2>" in html
    assert "<tr><td>rows read</td><td>42</td></tr>" in html
    assert "Removed duplicate rows (1-based data row numbers, first occurrence kept): 3, 9.</p>" in html


def test_report_missing_value_is_an_error(report_data: dict[str, Any]) -> None:
    del report_data["held_out"]["roc_auc"]
    with pytest.raises(jinja2.UndefinedError, match="roc_auc"):
        report.render_html(report_data, {name: f"{name}.png" for name in PLOTS})


def test_model_card_keeps_text_literal(report_data: dict[str, Any]) -> None:
    """Markdown is not HTML: the card shows values as they are, with no HTML entities."""
    text = card.render_model_card({
        "held_out": report_data["held_out"], "cv": report_data["cv"], "selected": {"n_estimators": 100},
        "seed": 42, "sklearn_version": "1.0", "training_revision": HOSTILE, "content_sha256": "b" * 64,
        "n_train": 32, "n_rows_read": 42, "n_duplicates": 2, "n_rows": 40,
        "class_counts": "20 forged, 20 genuine",
    })
    assert f"Training revision `{HOSTILE}`" in text
    assert "&lt;" not in text
    assert "&amp;" not in text
    assert f"| {HOSTILE} | 0.9800 ± 0.0100 | 0.9900 |" in text
    assert "[[4, 0], [0, 4]] — 0 forged note(s) called genuine, 0 genuine note(s) called forged." in text
