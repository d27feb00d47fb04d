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


@pytest.fixture(scope="session")
def default_data(tmp_path_factory):
    """The default synthetic data (scale 1.0, default seed), generated afresh (so never
    stale against the generator) and loaded in full once per session: the data the
    published-value comparisons run on (about 15 s)."""
    from romlab.dataset import synth
    from romlab.dataset.load import load

    folder = tmp_path_factory.mktemp("synthetic")
    synth.synth(folder, scale=1.0)
    return load(folder)
