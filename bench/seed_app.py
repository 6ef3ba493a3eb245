"""The seed project's way of serving, for comparison: Flask's development server (`app.run`),
GET /predict with the features in the query string, a scikit-learn forest unpickled with joblib.

    python bench/seed_app.py --model DIR/model.joblib --port PORT   (listens on 127.0.0.1 only)

Benchmark use only: the development server and unpickling are what the service replaced.
"""

import argparse

import joblib
from flask import Flask, jsonify, request

FEATURES = ("variance", "skewness", "curtosis", "entropy")


def create_app(model_path: str) -> Flask:
    app = Flask(__name__)
    model = joblib.load(model_path)  # a pickle: acceptable only for a local model we just trained

    @app.get("/predict")
    def predict():  # the seed's style, kept as it was
        row = [float(request.args.get(name)) for name in FEATURES]
        return jsonify({"label": int(model.predict([row])[0])})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    create_app(args.model).run(host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
