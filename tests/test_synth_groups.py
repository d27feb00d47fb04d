"""The generator's associations between participants' groups (issue 12): each keeps its
overall share, and the direction the calibration set holds in the generated data."""

from __future__ import annotations

import numpy as np
import pytest

from romlab.dataset import synth
from romlab.dataset.synth import draws
from romlab.dataset import synth_params as P


def test_mixed_shares_by_hand():
    """Two groups of equal weight, a binary variable with overall share 0.5 and odds
    ratio 3 in the second group: shares p and q with (p + q) / 2 = 0.5 and
    q/(1 − q) = 3·p/(1 − p), so q = 1 − p, (1 − p)² = 3p², p = 1/(1 + √3) = 0.36603."""
    cond = draws.mixed_shares([0.5, 0.5], [1, 1], [[1, 1], [1, 3]])
    assert cond[:, 1] == pytest.approx([0.36603, 0.63397], abs=1e-5)
    assert cond.sum(axis=1) == pytest.approx([1, 1])
    odds = cond[:, 1] / cond[:, 0]
    assert odds[1] / odds[0] == pytest.approx(3)


def test_mixed_shares_keep_the_marginal():
    age = np.array(P.AGE_GROUP_SHARES) / sum(P.AGE_GROUP_SHARES)
    tilt = P.REGISTRATION_AGE_TILT
    odds = np.exp(np.outer([tilt.get(i, 0.0) for i in range(3)], np.arange(5)))
    cond = draws.mixed_shares(P.REGISTRATION_SHARES, age, odds)
    assert age @ cond == pytest.approx(P.REGISTRATION_SHARES, abs=1e-9)
    assert cond[0, 0] > P.REGISTRATION_SHARES[0] > cond[2, 0]  # the young registered shortest


def test_draw_by_hand():
    shares = np.array([[0.2, 0.3, 0.5], [0.5, 0.5, 0.0]])
    u = np.array([0.1, 0.25, 0.6, 0.999])
    rows = np.array([0, 0, 0, 1])
    assert draws.draw(u, shares[rows]).tolist() == [0, 1, 2, 1]


def test_generated_groups_go_together():
    p = synth.generate(scale=0.02)["participations"]
    age = (p["start_date"] - p["birth_date"]).dt.days / 365.25
    old, young = age >= 56, age < 25
    assert p.loc[old, "disability"].mean() > 1.5 * p.loc[young, "disability"].mean()
    short = p["days_registered"] <= 365
    assert short[young].mean() > short.mean() > short[old].mean()
    dom_w = (p["sex"] == "woman") & ~p["born_abroad"]
    assert old[dom_w].mean() < old[~dom_w].mean()
    # the overall shares stay those of the parameters (within sampling error)
    assert abs(p["disability"].mean() - P.SHARE_DISABILITY) < 0.01
