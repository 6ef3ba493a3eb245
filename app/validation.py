"""Strict request reading: JSON bodies and feature values, with errors that name the problem.

Status codes: 415 for a body that is not declared JSON, 400 for a body that is not valid JSON
(including NaN/Infinity, which Python's json would otherwise accept), 422 for valid JSON that does
not fit the schema (missing/extra fields, non-numbers, booleans, non-finite or out-of-range
numbers, wrong shapes, too many rows). Flask itself answers 413 past MAX_CONTENT_LENGTH.
"""

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from flask import Request

# The model compares float32 values (as scikit-learn does); beyond this a value would become infinity.
FLOAT32_MAX = float(np.finfo(np.float32).max)
# A plain decimal number; Python's float() would also take "nan", "inf", "1_0" and padding.
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class ApiError(Exception):
    """A client error: answered as {"error": message} with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def shown(value: Any, limit: int = 60) -> str:
    """A client's value quoted for an error message, cut short: a message must not echo a megabyte."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _reject_constant(name: str) -> None:
    raise ApiError(400, f"malformed JSON: {name} is not a JSON number; send finite numbers only")


# Made once: json.loads(..., parse_constant=...) would build a new decoder for every request.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def read_json(request: Request) -> Any:
    """The request body parsed as strict JSON. A missing Content-Type is taken as JSON."""
    # The common header as sent needs no parsing; anything else goes through werkzeug's parser.
    if request.environ.get("CONTENT_TYPE") != "application/json":
        mimetype = request.mimetype
        if mimetype and mimetype != "application/json" and not mimetype.endswith("+json"):
            raise ApiError(415, f"Content-Type {shown(mimetype)} is not supported: send application/json")
    body = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    if not body.strip():
        raise ApiError(400, "empty body: send a JSON document")
    try:
        # As json.loads does for bytes: UTF-8, -16 or -32 by the first bytes (RFC 8259 allows them).
        return _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))
    except ApiError:
        raise
    except RecursionError:
        raise ApiError(400, "malformed JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError, over-long integers
        raise ApiError(400, f"malformed JSON: {error}") from None


def check_number(value: Any, where: str) -> float:
    """A JSON number as a float the model can take, or a 422 naming `where`."""
    # type() rather than isinstance(): bool is an int subclass, and true is not a measurement.
    if type(value) is not float and type(value) is not int:
        raise ApiError(422, f"{where}: expected a number, got {json_type(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not -FLOAT32_MAX <= number <= FLOAT32_MAX:
        raise ApiError(422, f"{where}: {shown(value)} is out of range (|value| <= {FLOAT32_MAX:.7g})")
    return number


def parse_decimal(text: str, where: str) -> float:
    """A query-string number: plain decimal notation only, then the same checks as JSON numbers."""
    if not _DECIMAL.fullmatch(text):
        raise ApiError(422, f"{where}: expected a number, got {shown(text)}")
    return check_number(float(text), where)


def check_fields(
    present: Sequence[str], required: Sequence[str], where: str, optional: Sequence[str] = ()
) -> None:
    """422 naming the missing and the unknown fields, when `present` does not fit."""
    missing = [name for name in required if name not in present]
    unknown = sorted({name for name in present if name not in required and name not in optional})
    if not missing and not unknown:
        return
    problems = []
    if missing:
        problems.append("missing " + ", ".join(missing))
    if unknown:
        problems.append("unknown " + ", ".join(shown(name) for name in unknown[:5])
                        + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""))
    expected = f"expected exactly: {', '.join(required)}"
    if optional:
        expected = f"expected: {', '.join(required)}; optional: {', '.join(optional)}"
    prefix = f"{where}: " if where else ""
    raise ApiError(422, f"{prefix}{'; '.join(problems)} ({expected})")


def row_from_object(item: Any, feature_names: tuple[str, ...], where: str = "") -> list[float]:
    """One row from {"variance": ..., ...}: exactly the named features, each a finite number."""
    if type(item) is not dict:
        raise ApiError(422, f"{where or 'body'}: expected an object with {', '.join(feature_names)}, "
                            f"got {json_type(item)}")
    if item.keys() != set(feature_names):
        check_fields(list(item), feature_names, where)
    return [check_number(item[name], f"{where}.{name}" if where else name) for name in feature_names]


def row_from_list(item: Any, feature_names: tuple[str, ...], where: str) -> list[float]:
    """One row from [v, s, c, e]: exactly one number per feature, in the model's order."""
    if type(item) is not list or len(item) != len(feature_names):
        got = f"{len(item)} items" if type(item) is list else json_type(item)
        raise ApiError(422, f"{where}: expected an array of {len(feature_names)} numbers "
                            f"({', '.join(feature_names)}), got {got}")
    return [check_number(value, f"{where}[{i}]") for i, value in enumerate(item)]


def check_batch_size(items: Any, max_rows: int, where: str) -> list:
    """The batch as a list of 1..max_rows items, or a 422 naming the limit."""
    if type(items) is not list:
        raise ApiError(422, f"{where}: expected an array of rows, got {json_type(items)}")
    if not items:
        raise ApiError(422, f"{where}: send at least one row")
    if len(items) > max_rows:
        raise ApiError(422, f"{where}: {len(items)} rows is more than the limit of {max_rows} per request")
    return items


def as_matrix(rows: list[list[float]]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float64)
