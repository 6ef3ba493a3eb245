"""MODEL_CARD.md: what the model is for, where its data came from, how well it does, where it fails."""

from __future__ import annotations

from typing import Any

from training import schema


def render_model_card(info: dict[str, Any]) -> str:
    held_out, cv, selected = info["held_out"], info["cv"], info["selected"]
    cv_lines = "\n".join(
        f"| {name} | {r['accuracy_mean']:.4f} ± {r['accuracy_std']:.4f} | {r['roc_auc_mean']:.4f} |"
        for name, r in cv.items()
    )
    (tn, fp), (fn, tp) = held_out["confusion_matrix"]
    params = ", ".join(f"{k}={v}" for k, v in selected.items())
    labels = ", ".join(f"{c} = {n}" for c, n in zip(schema.CLASSES, schema.CLASS_NAMES, strict=True))
    return f"""# Model card: banknote authentication random forest

## Model
- scikit-learn {info['sklearn_version']} `RandomForestClassifier` ({params}, random_state={info['seed']}),
  fitted on the training part ({info['n_train']} rows) of the de-duplicated data.
- Inputs: four statistics of a wavelet-transformed image of a bank note, in this order:
  {', '.join(f'`{f}`' for f in schema.FEATURES)}.
- Output: class probabilities for {labels}.
- Serving artifact: `serving/model.json` + `serving/forest.npz` (numpy-only inference, see
  `app/forest.py`); `model.joblib` holds the same fitted estimator for Python users.
- Training revision `{info['training_revision']}`; data content sha256 `{info['content_sha256']}`.

## Intended use
Screening bank-note images captured and transformed exactly as in the source study, to flag
likely forgeries for a human or a second check. Not a sole basis for rejecting a note, and not for
notes, currencies or capture set-ups the data does not cover (see Limits).

## Data
- UCI Machine Learning Repository, "banknote authentication", dataset id {schema.UCI_DATASET_ID};
  {schema.DATA_CITATION}. License: {schema.DATA_LICENSE}.
- {info['n_rows_read']} rows read; {info['n_duplicates']} exact duplicates removed before any split,
  leaving {info['n_rows']} rows ({info['class_counts']}).
- **Label meaning.** The source does not define which `class` value is genuine. This project uses
  {labels} (other write-ups state the opposite). The names live in one place, `training/schema.py`,
  and travel with the artifact in `model.json`.

## Evaluation
Selection used stratified 10-fold CV on the training part only; the chosen forest was then scored
once on a stratified held-out test part ({held_out['n_test']} rows) that selection never saw.

| model (10-fold CV, training part) | accuracy mean ± std | ROC AUC mean |
|---|---|---|
{cv_lines}

Held-out test (positive class: genuine): accuracy {held_out['accuracy']:.4f}, precision
{held_out['precision']:.4f}, recall {held_out['recall']:.4f}, F1 {held_out['f1']:.4f},
ROC AUC {held_out['roc_auc']:.4f}. Confusion matrix (rows true, columns predicted; forged, genuine):
[[{tn}, {fp}], [{fn}, {tp}]] — {fp} forged note(s) called genuine, {fn} genuine note(s) called forged.

## Limits and risks
- **Open-set risk.** The model only knows the forgeries in its {info['n_rows']} training images. Notes
  unlike the training data, other currencies or denominations, other scanners, lighting or
  resolution, and new forgery methods can be scored confidently and wrongly: a high probability is
  not evidence the note resembles anything seen in training.
- The data is small and nearly separable; near-perfect test scores say little about real-world
  error rates. Expect worse on new capture conditions and monitor disagreement with human checks.
- The features must be computed with the source study's wavelet pipeline; the model cannot detect
  inputs produced differently.
- Inputs are cast to float32 before the splits are compared, as scikit-learn does.
"""
