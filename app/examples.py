"""Example inputs for the page's fill buttons and the API docs: real rows of the UCI data set.

Keyed by label; the label names come from the model (model.json), never from here.
"""

EXAMPLE_ROWS: dict[int, dict[str, float]] = {
    # banknote_authentication.csv, first row of class 0 (data row 1)
    0: {"variance": 3.6216, "skewness": 8.6661, "curtosis": -2.8073, "entropy": -0.44699},
    # banknote_authentication.csv, first row of class 1 (data row 763)
    1: {"variance": -1.3971, "skewness": 3.3191, "curtosis": -1.3927, "entropy": -1.9948},
}
