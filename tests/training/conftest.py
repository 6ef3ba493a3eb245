"""Fixtures for the training tests: an HTTP server on 127.0.0.1, derived data files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from training_helpers import serve_directory


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """(directory, base URL): an HTTP server on 127.0.0.1 serving the directory, stopped afterwards."""
    root = tmp_path / "www"
    root.mkdir()
    with serve_directory(root) as base_url:
        yield root, base_url


@pytest.fixture(scope="session")
def headerless_text(dataset_path: Path) -> str:
    """The shared CSV in the UCI original's form: no header, LF line ends, final newline."""
    lines = dataset_path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "variance,skewness,curtosis,entropy,class"
    return "".join(f"{line}\n" for line in lines[1:])


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write
