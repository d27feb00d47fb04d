"""Shared pieces of the generator: dates as days, and the draws every part uses.

- `DAY`, `day(x)`, `uniform_days(rng, lo, hi, n)`: dates as ``datetime64[D]``;
- `mixed_shares`, `draw`: categorical draws whose shares depend on another group while
  keeping the overall share;
- `systematic`: Bernoulli draws with the expected number per stratum (little sampling noise);
- `outcome_rng`, `substream`: independent generators of the same seed, so that one part's
  draws neither depend on nor shift another's;
- `centred`: values minus their mean within a key.
"""

from __future__ import annotations

import numpy as np

DAY = np.timedelta64(1, "D")


def day(x) -> np.datetime64:
    return np.datetime64(x, "D")


def uniform_days(rng, lo, hi, n) -> np.ndarray:
    """Integer day offsets drawn uniformly from [lo, hi]."""
    return rng.integers(lo, hi + 1, size=n).astype("timedelta64[D]")


def mixed_shares(target, weights, odds) -> np.ndarray:
    """Shares of a categorical variable within each of J groups (J × K): ``target``
    (K shares) times ``odds`` (J × K) and rescaled (iterative proportional fitting, a
    few steps over J × K numbers) so that their mix over the groups' ``weights`` (J) is
    ``target`` again."""
    target = np.asarray(target, dtype=float)
    a = np.asarray(weights, dtype=float) / np.sum(weights)
    k = np.asarray(odds, dtype=float)
    base = target.copy()
    for _ in range(100):
        cond = base[None, :] * k
        cond /= cond.sum(axis=1, keepdims=True)
        base *= target / (a @ cond)
    cond = base[None, :] * k
    return cond / cond.sum(axis=1, keepdims=True)


def draw(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Category 0..K−1 of each uniform ``u`` under its row of ``shares`` (n × K)."""
    return np.minimum((u[:, None] > np.cumsum(shares, axis=1)).sum(axis=1), shares.shape[1] - 1)


def systematic(rng, prob: np.ndarray, strata: np.ndarray, sort_key: np.ndarray | None = None) -> np.ndarray:
    """Bernoulli draws with P(True) = ``prob`` for each row whose number per stratum is
    the expected number rounded up or down: systematic sampling within each stratum,
    rows ordered by ``sort_key`` (implicit stratification: each run of equal keys also
    gets about its expected number) and at random within a key. Cell and group shares
    then carry little sampling noise."""
    n = len(prob)
    if not n:
        return np.zeros(0, dtype=bool)
    sort_key = np.zeros(n, dtype=np.int64) if sort_key is None else sort_key
    order = np.lexsort((rng.random(n), sort_key, strata))
    ps, st = prob[order], strata[order]
    first = np.r_[True, st[1:] != st[:-1]]
    gid = np.cumsum(first) - 1
    cum = np.cumsum(ps)
    before = (cum - ps)[first][gid]
    u = rng.random(gid[-1] + 1)[gid]
    hit = np.floor(cum - before + u) > np.floor(cum - ps - before + u)
    out = np.empty(n, dtype=bool)
    out[order] = hit
    return out


def substream(rng, key: int) -> np.random.Generator:
    """An independent generator of the same seed as ``rng`` (its root seed sequence with
    spawn key ``key``); drawing from it leaves ``rng``'s stream untouched."""
    seq = rng.bit_generator.seed_seq
    return np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, key)))


def outcome_rng(rng, stream: int) -> np.random.Generator:
    """An independent generator for the result draws, from the same seed as ``rng``
    (its root seed sequence with spawn key ``stream``), so that result draws neither
    depend on nor shift the draws of the other parts of the generator."""
    return substream(rng, 7000 + stream)


def centred(values: np.ndarray, key: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """``values`` minus their (weighted) mean within each ``key``."""
    w = np.ones(len(values)) if weights is None else weights
    k, inv = np.unique(key, return_inverse=True)
    mean = np.bincount(inv, values * w, len(k)) / np.maximum(np.bincount(inv, w, len(k)), 1e-12)
    return values - mean[inv]
