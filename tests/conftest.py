"""Shared fixtures: a tiny hand-made dataset (tests/make_tiny.py) written to tmp_path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import make_tiny  # noqa: E402


@pytest.fixture
def tiny():
    """{table: frame} of the valid tiny dataset (a fresh copy per test, free to break)."""
    return make_tiny.tiny_tables()


@pytest.fixture
def tiny_dir(tmp_path, tiny):
    """The valid tiny dataset as a folder of Parquet files."""
    return make_tiny.write_parquet(tiny, tmp_path / "parquet")
