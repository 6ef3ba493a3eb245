"""Reads, validates and de-duplicates the banknote data. numpy only, so bad data fails fast.

Accepted input: the headerless UCI original or the same rows under the header
`variance,skewness,curtosis,entropy,class`; comma separated, blank lines ignored, any line
ending; a local path, an http(s) URL, or a zip holding exactly one such file. The default is the
copy shipped in data/ (its file sha256 is checked); "uci" downloads the original (its content is checked).
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from training import schema

# sha256 of the UCI rows in canonical form (see canonical_text): the headerless original with LF
# line ends and a final newline hashes to this value byte for byte. Derived from the shared copy
# (file sha256 0787e502...36c9), which README.md there describes as the same rows with a header.
UCI_CONTENT_SHA256 = "50573e4d341c0c211668136a8b83b592b8dda436520785c3cc3d536fe407a157"
# The copy shipped with the project (data/README.md: source, licence) and the sha256 of its bytes.
SHIPPED_PATH = Path(__file__).resolve().parent.parent / "data" / "banknote_authentication.csv"
SHIPPED_SHA256 = "0787e50299c198e919276660edf98dd5dcb94951ad81435b3ab61afb666936c9"
# The source that downloads the UCI original (or BANKNOTE_DATA_URL, a mirror) and checks its content.
UCI_SOURCE = "uci"
DATA_URL_ENV = "BANKNOTE_DATA_URL"
MIN_ROWS = 100  # after de-duplication: 10-fold CV on 80 % of the rows needs a few per fold
MIN_ROWS_PER_CLASS = 20
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
DOWNLOAD_TIMEOUT_S = 60
# How errors tell the user to pass other data; wrappers (playbooks/train.yml, scripts/deploy.sh) give
# their own way through `python -m training --data-hint`, so a message names the command the user ran.
DATA_HINT = "pass --data PATH_OR_URL"


class DataError(Exception):
    """The data cannot be used; the message says what is wrong and where."""


@dataclass(frozen=True)
class Dataset:
    X: np.ndarray  # float64 [n, 4], columns in schema.FEATURES order
    y: np.ndarray  # int64 [n], values in schema.CLASSES
    source: str
    file_sha256: str  # of the bytes as read (header and line ends included)
    content_sha256: str  # of canonical_text: the same for the headed and headerless forms
    had_header: bool


@dataclass(frozen=True)
class Deduplicated:
    X: np.ndarray
    y: np.ndarray
    n_before: int
    duplicate_rows: list[int] = field(default_factory=list)  # 1-based data-row numbers removed
    conflicting_feature_rows: int = 0  # same features, different label (kept: they are different notes)

    @property
    def n_removed(self) -> int:
        return len(self.duplicate_rows)


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def uci_url() -> str:
    return os.environ.get(DATA_URL_ENV) or schema.UCI_URL


def read_bytes(source: str, hint: str = DATA_HINT) -> bytes:
    """The raw bytes of a local file or an http(s) URL; DataError if unavailable."""
    if is_url(source):
        return _download(source, hint)
    path = Path(source)
    if not path.exists():
        raise DataError(f"data file {path} does not exist; to use another copy, {hint}")
    if not path.is_file():
        raise DataError(f"data path {path} is not a file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read data file {path}: {exc.strerror or exc}") from exc


def _download(url: str, hint: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "banknote-training/1"})  # noqa: S310 (http(s) only)
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:  # noqa: S310
            body = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise DataError(f"could not download {url}: HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise DataError(f"could not download {url}: {exc.reason}; to use a local copy, {hint}") from exc
    except (OSError, ValueError) as exc:
        raise DataError(f"could not download {url}: {exc}; to use a local copy, {hint}") from exc
    if len(body) > MAX_DOWNLOAD_BYTES:
        raise DataError(f"download from {url} exceeds {MAX_DOWNLOAD_BYTES >> 20} MiB: not the banknote data")
    return body


def _unzip_single(raw: bytes, source: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = [m for m in archive.infolist() if m.filename.endswith((".txt", ".csv"))]
            if len(members) != 1:
                raise DataError(f"{source} is a zip holding {len(members)} .txt/.csv files, expected one")
            return archive.read(members[0])
    except zipfile.BadZipFile as exc:
        raise DataError(f"{source} looks like a zip file but cannot be opened: {exc}") from exc


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith(b"PK\x03\x04"):
        raw = _unzip_single(raw, source)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{source} is not a text file (byte {exc.start} is not UTF-8)") from exc


def canonical_text(lines: list[str]) -> str:
    """Data rows only (no header), stripped, LF-separated, with a final newline."""
    return "".join(f"{line}\n" for line in lines)


def _parse_row(cells: list[str], line_no: int) -> list[float]:
    if len(cells) != len(schema.COLUMNS):
        raise DataError(
            f"line {line_no} has {len(cells)} columns, expected {len(schema.COLUMNS)} "
            f"({','.join(schema.COLUMNS)}), comma separated"
        )
    values = []
    for column, cell in zip(schema.COLUMNS, cells, strict=True):
        try:
            value = float(cell)
        except ValueError:
            raise DataError(f"line {line_no}, column {column}: {cell!r} is not a number") from None
        if not math.isfinite(value):
            raise DataError(f"line {line_no}, column {column}: {cell!r} is not a finite number")
        values.append(value)
    if values[-1] not in schema.CLASSES:
        raise DataError(
            f"line {line_no}, column {schema.LABEL}: {cells[-1]!r} is not a class label; "
            f"expected one of {', '.join(map(str, schema.CLASSES))}"
        )
    return values


def _is_header(cells: list[str]) -> bool:
    return [cell.strip().lower() for cell in cells] == list(schema.COLUMNS)


def parse(text: str, source: str) -> tuple[np.ndarray, np.ndarray, str, bool]:
    """(X, y, canonical text, had_header) from the file's text; DataError on the first bad line."""
    lines = enumerate(text.splitlines(), start=1)
    numbered = [(number, line.strip()) for number, line in lines if line.strip()]
    if not numbered:
        raise DataError(f"{source} contains no data rows")
    had_header = False
    first_cells = numbered[0][1].split(",")
    if _is_header(first_cells):
        had_header = True
        numbered = numbered[1:]
    elif not _looks_numeric(first_cells):
        raise DataError(
            f"line {numbered[0][0]} of {source} is neither a data row nor the header "
            f"{','.join(schema.COLUMNS)}"
        )
    try:
        rows = [_parse_row([cell.strip() for cell in line.split(",")], number) for number, line in numbered]
    except DataError as exc:
        raise DataError(f"{source}: {exc}") from None
    if not rows:
        raise DataError(f"{source} has a header but no data rows")
    table = np.asarray(rows, dtype=np.float64)
    data_lines = [",".join(cell.strip() for cell in line.split(",")) for _, line in numbered]
    return table[:, :-1], table[:, -1].astype(np.int64), canonical_text(data_lines), had_header


def _looks_numeric(cells: list[str]) -> bool:
    try:
        [float(cell) for cell in cells]
    except ValueError:
        return False
    return True


def check_usable(X: np.ndarray, y: np.ndarray, what: str) -> None:
    """Enough rows and both classes, else DataError."""
    present = sorted(set(y.tolist()))
    if len(present) < len(schema.CLASSES):
        names = ", ".join(f"{c} ({schema.CLASS_NAMES[schema.CLASSES.index(c)]})" for c in present)
        raise DataError(f"{what} holds only class {names}; training needs both 0 (forged) and 1 (genuine)")
    if len(y) < MIN_ROWS:
        raise DataError(f"{what} has only {len(y)} rows; at least {MIN_ROWS} are needed")
    for cls, name in zip(schema.CLASSES, schema.CLASS_NAMES, strict=True):
        count = int(np.sum(y == cls))
        if count < MIN_ROWS_PER_CLASS:
            raise DataError(
                f"{what} has only {count} rows of class {cls} ({name}); "
                f"at least {MIN_ROWS_PER_CLASS} are needed"
            )


def is_shipped(source: str) -> bool:
    return not is_url(source) and Path(source).resolve() == SHIPPED_PATH


def check_shipped(raw: bytes, hint: str = DATA_HINT) -> None:
    """DataError unless these are the bytes of the shipped copy (data/README.md gives the same sha256)."""
    actual = hashlib.sha256(raw).hexdigest()
    if actual != SHIPPED_SHA256:
        raise DataError(
            f"{SHIPPED_PATH} has sha256 {actual}, expected {SHIPPED_SHA256}: restore it with "
            f"`git checkout -- data/{SHIPPED_PATH.name}`, or to use another copy, {hint}"
        )


def load(source: str | None = None, hint: str = DATA_HINT) -> Dataset:
    """Reads and validates the data. None: the shipped copy, its file sha256 checked first; "uci": the UCI
    original downloaded and its content checked; else a path or URL, validated but not pinned.
    `hint` says in error messages how to pass other data to the command the user ran."""
    verify_uci = source is not None and source.lower() == UCI_SOURCE
    source = str(SHIPPED_PATH) if source is None else uci_url() if verify_uci else source
    raw = read_bytes(source, hint)
    if is_shipped(source):
        check_shipped(raw, hint)
    X, y, canonical, had_header = parse(_decode(raw, source), source)
    content_sha256 = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    if verify_uci and content_sha256 != UCI_CONTENT_SHA256:
        raise DataError(
            f"the data downloaded from {source} is not the UCI banknote data this project expects "
            f"(content sha256 {content_sha256}, expected {UCI_CONTENT_SHA256}); "
            f"check the file, and to train on it anyway, {hint}"
        )
    check_usable(X, y, source)
    return Dataset(
        X=X, y=y, source=source, file_sha256=hashlib.sha256(raw).hexdigest(),
        content_sha256=content_sha256, had_header=had_header,
    )


def deduplicate(X: np.ndarray, y: np.ndarray) -> Deduplicated:
    """Drops exact duplicate rows (features and label), keeping each first occurrence in file order.

    Must run before any split: a duplicated note in both train and test inflates the test score.
    """
    table = np.column_stack([X, y])
    _, first_index = np.unique(table, axis=0, return_index=True)
    keep = np.zeros(len(y), dtype=bool)
    keep[first_index] = True
    removed = (np.flatnonzero(~keep) + 1).tolist()
    X_unique, y_unique = X[keep], y[keep]
    n_distinct_features = len(np.unique(X_unique, axis=0))
    return Deduplicated(
        X=X_unique, y=y_unique, n_before=len(y), duplicate_rows=removed,
        conflicting_feature_rows=len(y_unique) - n_distinct_features,
    )
