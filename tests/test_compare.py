"""The comparison with published values: matching keys, a missing cell fails, tolerance."""

from __future__ import annotations

import pandas as pd
import pytest

from romlab.compare import compare, published


def test_exact_match_and_tolerance():
    pub = published(15)
    rep = pub[["table", "measure", "window", "level", "value"]].copy()
    rep["value"] = rep["value"] + 1.0  # every cell one point off
    out = compare(rep, 15, tolerance=1.5)
    assert len(out) == len(pub) and out["within"].all()
    assert (out["difference"] == 1.0).all()
    assert not compare(rep, 15, tolerance=0.5)["within"].any()


def test_missing_cell_is_not_within():
    rep = published(15)[["table", "measure", "window", "level", "value"]].iloc[1:]
    out = compare(rep, 15, tolerance=100)
    assert out["reproduced"].isna().sum() == 1 and (~out["within"]).sum() == 1


def test_numeric_keys_match_across_types():
    pub = published(3)
    rep = pub[["measure", "activity", "included_share", "value"]].copy()
    rep["included_share"] = rep["included_share"].astype(str)  # "97.5", "95.0"
    assert compare(rep, 3, tolerance=0)["within"].all()


def test_duplicate_reproduced_keys_raise():
    rep = published(14)[["measure", "level", "value"]]
    with pytest.raises(ValueError, match="duplicate"):
        compare(pd.concat([rep, rep.iloc[:1]]), 14, tolerance=1)


def test_tolerance_per_row():
    rep = published(2)[["measure", "activity", "percentile", "value"]]
    out = compare(rep, 2, tolerance=lambda d: d["published"].abs() * 0.1)
    assert out["within"].all() and out["tolerance"].nunique() > 1
