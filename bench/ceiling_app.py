"""The stack's ceiling: Flask answering POST with a constant JSON document and no model.

Served by gunicorn with the service's own config (app/gunicorn.conf.py) in the service's image,
so the difference to the real /predict is the service's own work (parsing, validation, model).
"""

from flask import Flask

app = Flask(__name__)


@app.post("/predict")
def predict() -> dict:
    return {"label": 1, "class": "genuine", "probability": 1.0}
