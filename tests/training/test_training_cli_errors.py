"""Bad data through the real CLI: one clear line on stderr, non-zero exit, never a traceback."""

from __future__ import annotations

import socket
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from training_helpers import run_training

HEADER = "variance,skewness,curtosis,entropy,class"


def assert_one_line_error(result, fragment: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert fragment in lines[0], lines[0]


def _rows(text: str) -> list[str]:
    return text.splitlines()


def _replace_row(index: int, row: str) -> Callable[[list[str]], list[str]]:
    def change(rows: list[str]) -> list[str]:
        return [*rows[:index], row, *rows[index + 1:]]
    return change


# Each case turns the shared rows (no header) into a bad file body; the header is added when asked.
BAD_DATA = {
    "wrong column count": (_replace_row(4, "3.1,2.2,1.0,0"), True, "line 6 has 4 columns, expected 5"),
    "extra column": (_replace_row(4, "3.1,2.2,1.0,0.5,1,7"), False, "line 5 has 6 columns"),
    "non-numeric cell": (
        _replace_row(9, "3.1,abc,1.0,0.5,1"), True, "line 11, column skewness: 'abc' is not a number",
    ),
    "empty cell": (_replace_row(9, "3.1,,1.0,0.5,1"), True, "line 11, column skewness: '' is not a number"),
    "NaN": (
        _replace_row(2, "nan,1.0,1.0,0.5,1"), True, "line 4, column variance: 'nan' is not a finite number",
    ),
    "inf": (_replace_row(2, "1.0,1.0,-inf,0.5,1"), True, "'-inf' is not a finite number"),
    "label 2": (_replace_row(7, "1.0,1.0,1.0,0.5,2"), True, "line 9, column class: '2' is not a class label"),
    "label 0.5": (
        _replace_row(7, "1.0,1.0,1.0,0.5,0.5"), False, "line 8, column class: '0.5' is not a class label",
    ),
    "one class only": (
        lambda rows: [r for r in rows if r.endswith(",0")], True, "holds only class 0 (forged)",
    ),
    "too few rows": (lambda rows: rows[:30] + rows[-30:], True, "has only 60 rows; at least 100 are needed"),
    "too few rows after de-duplication": (
        lambda rows: (rows[:20] + rows[-20:]) * 5, True, "after removing 160 duplicates has only 40 rows",
    ),
    "too few rows of one class": (
        lambda rows: [r for r in rows if r.endswith(",0")][:300] + [r for r in rows if r.endswith(",1")][:5],
        True, "has only 5 rows of class 1 (genuine)",
    ),
    "header only": (lambda rows: [], True, "has a header but no data rows"),
    "empty file": (lambda rows: [], False, "contains no data rows"),
    "unknown header": (lambda rows: ["a,b,c,d,e", *rows], False, "line 1 of"),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_file_gives_one_line_error(
    case: str, headerless_text: str, write_csv, tmp_path: Path,
) -> None:
    change, with_header, fragment = BAD_DATA[case]
    rows = change(_rows(headerless_text))
    text = "\n".join([HEADER, *rows] if with_header else rows)
    result = run_training("--data", str(write_csv("bad.csv", text)), "--out", str(tmp_path / "out"))
    assert_one_line_error(result, fragment)
    assert not (tmp_path / "out").exists(), "bad data must not leave a half-written output directory"


def test_missing_file(tmp_path: Path) -> None:
    result = run_training("--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out"))
    assert_one_line_error(result, "nope.csv does not exist")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    result = run_training("--data", str(tmp_path), "--out", str(tmp_path / "out"))
    assert_one_line_error(result, "is not a file")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "random.bin"
    path.write_bytes(bytes(range(256)) * 4)
    result = run_training("--data", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(result, "is not a text file")


def test_zip_with_two_members(tmp_path: Path, headerless_text: str) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.txt", headerless_text)
        archive.writestr("b.txt", headerless_text)
    result = run_training("--data", str(path), "--out", str(tmp_path / "out"))
    assert_one_line_error(result, "is a zip holding 2 .txt/.csv files, expected one")


def test_download_http_404(http_root, tmp_path: Path) -> None:
    _, base_url = http_root
    result = run_training("--data", f"{base_url}/missing.txt", "--out", str(tmp_path / "out"))
    assert_one_line_error(result, "HTTP 404")


def test_download_connection_refused(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_training("--data", f"http://127.0.0.1:{port}/data.txt", "--out", str(tmp_path / "out"))
    assert_one_line_error(result, f"could not download http://127.0.0.1:{port}/data.txt")


def test_download_of_a_web_page(http_root, tmp_path: Path) -> None:
    root, base_url = http_root
    (root / "index.html").write_text("<!DOCTYPE html>\n<html><body>Not found</body></html>\n")
    result = run_training("--data", f"{base_url}/index.html", "--out", str(tmp_path / "out"))
    assert_one_line_error(result, "is neither a data row nor the header")


def test_uci_download_rejects_content_that_is_not_the_uci_original(
    http_root, headerless_text: str, tmp_path: Path,
) -> None:
    # Still well-formed data (one value changed), so only the content check can catch it.
    root, base_url = http_root
    (root / "data.txt").write_text(headerless_text.replace("3.6216,", "3.6217,", 1))
    result = run_training("--data", "uci", "--out", str(tmp_path / "out"),
                          env={"BANKNOTE_DATA_URL": f"{base_url}/data.txt"})
    assert_one_line_error(result, "is not the UCI banknote data this project expects")
