"""Figur 1 and Figur 2 read back from a run's SVG files, as an attacker would.

The figures of the report's §5.1.1 (`romlab.report.results_figures`) draw, per start month,
the share of each level (Nivå A, B, C: a line with markers), a 95 % Wilson band per level
(``fill_between``) and the total as a dashed line ("Totalt"). matplotlib writes every
coordinate with six decimals, so a reader of ``figur_1.svg`` recovers each drawn share to
about 1e-8 and, from a share and its band, the point's integer numerator and
denominator: for every n up to ``n_max`` the only numerator whose share matches is
``round(share * n)``, and only one n gives the drawn band.

Nothing here imports romlab's figure code or its data: the axes are calibrated from the
tick marks and their labels (kept as ``<text>`` when the SVG keeps text as text, as
romlab's figures do; otherwise matplotlib writes text as references to glyphs,
``<use xlink:href="#DejaVuSans-15">``; the glyph's id is the font's PostScript name and
the glyph index in hexadecimal, or the character code in matplotlib before 3.10, and is
decoded here with the font's own character map), and the lines and bands are told apart by
their colours as the legend shows them.

``read_figure(path)`` gives one row per drawn point (``start_month``, ``level``, ``share``,
``ci_low``, ``ci_high``, ``num``, ``n``, ``matches``); ``read_panels(path)`` the same for a
figure of panels side by side (Figur 1 (RoM 2): 3- and 6-month results, with ``panel``);
`recover_counts` is the search for (num, n) on its own; `wilson` the interval as the
figure draws it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Z95", "FigureReadError", "read_figure", "read_panels", "recover_counts", "wilson"]

#: The normal quantile of a two-sided 95 % interval (scipy.special.ndtri(0.975)).
Z95 = 1.959963984540054

_SVG = "{http://www.w3.org/2000/svg}"
_XLINK = "{http://www.w3.org/1999/xlink}href"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
#: Pixels of one written coordinate step (matplotlib writes six decimals).
_PIXEL_STEP = 1e-6


class FigureReadError(ValueError):
    """The SVG is not a figure this reader understands (no axes, ticks or legend)."""


# ----------------------------------------------------------------------------- Wilson

def wilson(x, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (low, high) of x successes in n trials, as fractions."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def recover_counts(share: float, low: float, high: float, n_max: int = 20000, tol: float = 5e-8,
                   z: float = Z95) -> tuple[int, int, int]:
    """The (num, n) whose share and Wilson band match a drawn point.

    Every n in 1..``n_max`` is tried with num = round(share * n); a pair matches when its
    share and both ends of its band are within ``tol`` of the drawn ones. Returns
    (num, n, number of matching n); the best match (smallest largest error, then the
    smallest n) when several match, (-1, -1, 0) when none does."""
    ns = np.arange(1, int(n_max) + 1, dtype=float)
    xs = np.rint(share * ns)
    lo, hi = wilson(xs, ns, z)
    err = np.maximum.reduce([np.abs(xs / ns - share), np.abs(lo - low), np.abs(hi - high)])
    ok = err <= tol
    if not ok.any():
        return -1, -1, 0
    best = np.flatnonzero(ok)[np.argmin(err[ok])]  # first of equal errors: the smallest n
    return int(xs[best]), int(ns[best]), int(ok.sum())


# ----------------------------------------------------------------------------- SVG parsing

def _paths(d: str) -> list[list[tuple[float, float]]]:
    """Sub-paths of an SVG path made of M/L (and z) commands, as lists of points."""
    out: list[list[tuple[float, float]]] = []
    for cmd, args in re.findall(r"([MLZz])([^MLZz]*)", d):
        nums = [float(v) for v in re.findall(_NUMBER, args)]
        pts = list(zip(nums[0::2], nums[1::2]))
        if cmd == "M":
            out.append(pts)
        elif cmd == "L":
            if not out:
                out.append([])
            out[-1].extend(pts)
    return [p for p in out if p]


def _style(el: ET.Element) -> dict[str, str]:
    s = el.get("style", "")
    return {k.strip(): v.strip() for k, v in (p.split(":", 1) for p in s.split(";") if ":" in p)}


def _children(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if c.tag == _SVG + name]


def _gid(el: ET.Element) -> str:
    return el.get("id", "")


@cache
def _glyph_maps(postscript_name: str) -> tuple[dict[int, str], dict[int, str]]:
    """(glyph index → character, character code → character) of a font known to
    matplotlib's font manager by its PostScript name ({} when the font is unknown)."""
    from matplotlib import font_manager, ft2font

    for entry in font_manager.fontManager.ttflist:
        try:
            font = ft2font.FT2Font(entry.fname)
        except (OSError, RuntimeError, ValueError):  # a font file FreeType cannot open: not ours to report
            continue
        if font.postscript_name == postscript_name:
            charmap = font.get_charmap()
            by_glyph: dict[int, str] = {}
            for code, glyph in sorted(charmap.items()):
                by_glyph.setdefault(glyph, chr(code))
            return by_glyph, {code: chr(code) for code in charmap}
    return {}, {}


def _decode(glyph_ids: list[str], scheme: str) -> str | None:
    """Text from glyph ids ``<PostScriptName>-<hex>`` under a scheme: "glyph" (the hex is
    the glyph index, matplotlib ≥ 3.10) or "code" (the character code)."""
    chars = []
    for gid in glyph_ids:
        name, _, num = gid.rpartition("-")
        try:
            value = int(num, 16)
        except ValueError:
            return None
        by_glyph, by_code = _glyph_maps(name)
        table = by_glyph if scheme == "glyph" else by_code
        if value not in table:
            return None
        chars.append(table[value])
    return "".join(chars)


@dataclass
class _Text:
    glyphs: list[str]
    comment: str | None
    x: float
    y: float
    #: the string itself when the SVG keeps text as text (``svg.fonttype`` none)
    string: str | None = None


def _text(group: ET.Element, comments: dict[int, str]) -> _Text:
    plain = next(group.iter(_SVG + "text"), None)
    if plain is not None:
        return _Text([], comments.get(id(group)), float(plain.get("x", "nan")), float(plain.get("y", "nan")),
                     "".join(plain.itertext()))
    uses = [u.get(_XLINK, "").lstrip("#") for u in group.iter(_SVG + "use")]
    x = y = np.nan
    for g in group.iter(_SVG + "g"):
        m = re.search(rf"translate\(({_NUMBER})[ ,]+({_NUMBER})\)", g.get("transform", ""))
        if m:
            x, y = float(m.group(1)), float(m.group(2))
            break
    return _Text(uses, comments.get(id(group)), x, y)


def _comments(svg_text: str) -> dict[str, str]:
    """Comment text (matplotlib writes each text's string as a comment) by the id of the
    text group that holds it; used only as a check of the glyph decoding."""
    return {m.group(1): m.group(2).strip() for m in
            re.finditer(r'<g id="(text_\d+)">\s*<!--(.*?)-->', svg_text, flags=re.DOTALL)}


def _read_texts(texts: list[_Text], parse) -> tuple[list, str]:
    """Tick labels: kept as text, or decoded with the glyph scheme under which every
    label parses."""
    if texts and all(t.string is not None for t in texts):
        return [parse(t.string) for t in texts], "text"
    for scheme in ("glyph", "code"):
        decoded = [_decode(t.glyphs, scheme) for t in texts]
        try:
            values = [parse(s) for s in decoded]
        except (TypeError, ValueError):
            continue
        return values, scheme
    raise FigureReadError("tick labels: no glyph scheme decodes them")


def _parse_month(s: str | None) -> pd.Timestamp:
    if s is None or not re.fullmatch(r"\d{4}-\d{2}", s):
        raise ValueError(s)
    return pd.Timestamp(s + "-01")


def _parse_percent(s: str | None) -> float:
    if s is None:
        raise ValueError(s)
    m = re.fullmatch(r"([-−]?\d+(?:[.,]\d+)?)\s*%", s)
    if not m:
        raise ValueError(s)
    return float(m.group(1).replace("−", "-").replace(",", ".")) / 100


def _ticks(axis: ET.Element, kind: str, comments: dict[str, str]) -> list[tuple[float, _Text]]:
    """(tick position, label) of every labelled major tick of an axis group."""
    out = []
    for tick in _children(axis, "g"):
        if not _gid(tick).startswith(kind + "tick_"):
            continue
        pos = None
        for line in _children(tick, "g"):
            if not _gid(line).startswith("line2d"):
                continue
            for use in line.iter(_SVG + "use"):  # the tick mark (a marker at the tick)
                pos = float(use.get("x" if kind == "x" else "y"))
        label = [g for g in _children(tick, "g") if _gid(g).startswith("text_")]
        if pos is None or not label:
            continue
        t = _text(label[0], {})
        t.comment = comments.get(_gid(label[0]))
        out.append((pos, t))
    return out


def _fit(pixels: list[float], values: list[float]) -> tuple[float, float, float]:
    """Least-squares pixel = a + b * value; returns (a, b, largest residual in pixels)."""
    v, p = np.asarray(values, dtype=float), np.asarray(pixels, dtype=float)
    if len(v) < 2 or np.ptp(v) == 0:
        raise FigureReadError("an axis has fewer than two distinct labelled ticks")
    b, a = np.polyfit(v, p, 1)
    return a, b, float(np.max(np.abs(a + b * v - p)))


def _colour(style: dict[str, str], key: str) -> str | None:
    c = style.get(key)
    return c.lower() if c and c.startswith("#") else None


def _legend(legend: ET.Element, comments: dict[str, str], scheme: str) -> dict[str, str]:
    """Colour of each legend entry's line → its label ("Nivå A", …, "Totalt")."""
    out: dict[str, str] = {}
    pending: str | None = None
    for child in legend:
        gid = _gid(child)
        if gid.startswith("line2d"):
            for p in child.iter(_SVG + "path"):
                c = _colour(_style(p), "stroke")
                if c:
                    pending = c
                    break
        elif gid.startswith("text_") and pending is not None:
            t = _text(child, {})
            label = t.string if t.string is not None else (_decode(t.glyphs, scheme) or comments.get(gid))
            if label:
                out[pending] = label
            pending = None
    return out


def _level(label: str) -> str:
    """Nivå A → A, Totalt → Totalt."""
    m = re.fullmatch(r"Nivå\s+([A-Z])", label.strip())
    return m.group(1) if m else label.strip()


def _polygons(group: ET.Element, defs: dict[str, ET.Element]) -> list[tuple[str, list[tuple[float, float]]]]:
    """(fill colour, vertices) of every polygon of a fill_between collection: paths drawn
    in place, or defined once and placed with <use x= y=>."""
    out = []
    for el in group.iter():
        if el.tag == _SVG + "path" and el.get("id") is None:
            c = _colour(_style(el), "fill")
            if c:
                out.extend((c, pts) for pts in _paths(el.get("d", "")))
        elif el.tag == _SVG + "use":
            ref = defs.get(el.get(_XLINK, "").lstrip("#"))
            c = _colour(_style(el), "fill")
            if ref is None or c is None:
                continue
            dx, dy = float(el.get("x", 0)), float(el.get("y", 0))
            out.extend((c, [(x + dx, y + dy) for x, y in pts]) for pts in _paths(ref.get("d", "")))
    return out


def _band_edges(pts: list[tuple[float, float]]) -> dict[float, tuple[float, float]]:
    """x → (smallest, largest) y pixel of a fill_between polygon at each of its x."""
    xs = np.array([p[0] for p in pts])
    ys = np.array([p[1] for p in pts])
    out = {}
    for x in np.unique(xs):
        sel = ys[xs == x]
        out[float(x)] = (float(sel.min()), float(sel.max()))
    return out


def read_figure(path: str | Path, n_max: int = 20000) -> pd.DataFrame:
    """Every drawn point of a Figur 1 / Figur 2 SVG.

    Columns: ``start_month`` (first day), ``level`` ("A", "B", "C" or "Totalt"),
    ``share``, ``ci_low``, ``ci_high`` (fractions; the band is NaN where none is drawn,
    as for the total), ``num`` and ``n`` (the recovered counts, -1 where no band or no
    match), ``matches`` (how many n matched; 1 is an exact recovery), ``tol`` (the share
    tolerance used). Rows sorted by level then month."""
    return _read(path, n_max, panels=False).drop(columns="panel")


def read_panels(path: str | Path, n_max: int = 20000) -> pd.DataFrame:
    """Every drawn point of a figure of several panels side by side (Figur 1 (RoM 2): the
    3-month result left, the 6-month result right), as `read_figure` reads one, with
    ``panel`` (0 the first axes drawn, left to right). A panel whose percent axis has no
    labelled ticks (the shared axis labelled once) is calibrated from the panel before it
    (shared axes sit at the same height). Rows sorted by panel, level, month."""
    return _read(path, n_max, panels=True)


def _read(path: str | Path, n_max: int, panels: bool) -> pd.DataFrame:
    text = Path(path).read_text(encoding="utf-8")
    root = ET.fromstring(text)
    comments = _comments(text)
    all_axes = [g for g in root.iter(_SVG + "g") if _gid(g).startswith("axes_")]
    if not all_axes:
        raise FigureReadError(f"{path}: no axes group")
    defs = {el.get("id"): el for el in root.iter(_SVG + "path") if el.get("id")}
    frames, ycal, colours = [], None, None
    for k, axes in enumerate(all_axes if panels else all_axes[:1]):
        # the axis groups are numbered over the figure (axis_3, axis_4 in a second panel):
        # told apart by their ticks
        groups = [g for g in _children(axes, "g") if _gid(g).startswith("matplotlib.axis")]
        xaxis = next((g for g in groups if any(_gid(t).startswith("xtick_") for t in _children(g, "g"))), None)
        yaxis = next((g for g in groups if any(_gid(t).startswith("ytick_") for t in _children(g, "g"))), None)
        if xaxis is None or yaxis is None:
            raise FigureReadError(f"{path}: no axis groups")
        xt, yt = _ticks(xaxis, "x", comments), _ticks(yaxis, "y", comments)
        months, scheme = _read_texts([t for _, t in xt], _parse_month)
        for (_, t), value in zip(xt, months):  # the comments, where written, agree with the glyphs
            if t.comment is not None and t.comment != value.strftime("%Y-%m"):
                raise FigureReadError(f"{path}: tick label {t.comment!r} decoded as {value:%Y-%m}")
        days = [(m - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1) for m in months]
        ax_, bx, _resx = _fit([p for p, _ in xt], days)
        if yt:
            shares, _ = _read_texts([t for _, t in yt], _parse_percent)
            ycal = _fit([p for p, _ in yt], shares)
        elif ycal is None:
            raise FigureReadError(f"{path}: the first panel's percent axis has no labelled ticks")
        if colours is None:
            # the axes' legend or the figure's
            legend = next((g for g in root.iter(_SVG + "g") if _gid(g).startswith("legend")), None)
            if legend is None:
                raise FigureReadError(f"{path}: no legend")
            colours = {c: _level(lab) for c, lab in _legend(legend, comments, scheme).items()}
        frames.append(_points(path, axes, defs, colours, (ax_, bx), ycal, n_max).assign(panel=k))
    out = pd.concat(frames, ignore_index=True)
    order = {lv: i for i, lv in enumerate(["A", "B", "C", "Totalt"])}
    out = out.assign(_o=out["level"].map(order).fillna(9)).sort_values(["panel", "_o", "level", "start_month"],
                                                                         kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


def _points(path, axes: ET.Element, defs: dict, colours: dict[str, str], xcal: tuple[float, float],
            ycal: tuple[float, float, float], n_max: int) -> pd.DataFrame:
    """The drawn points of one axes group, calibrated: lines and markers by their legend
    colour, each level's band, and the counts recovered from share and band."""
    ax_, bx = xcal
    ay, by, resy = ycal
    # share tolerance: coordinate rounding plus the calibration's own residual
    tol = 4 * (_PIXEL_STEP + resy) / abs(by)

    def month_of(x: float) -> pd.Timestamp:
        d = (x - ax_) / bx
        day = pd.Timestamp("1970-01-01") + pd.Timedelta(days=round(d))
        if abs(d - round(d)) > 1e-3 or day.day != 1:
            raise FigureReadError(f"{path}: a point at x={x} is not on a month's first day ({day.date()})")
        return day

    points: dict[tuple[pd.Timestamp, str], float] = {}
    for line in _children(axes, "g"):
        if not _gid(line).startswith("line2d"):
            continue
        for p in _children(line, "path"):
            level = colours.get(_colour(_style(p), "stroke"))
            if level is None:
                continue  # window lines and anything not in the legend
            verts = [pt for sub in _paths(p.get("d", "")) for pt in sub]
            markers = [(float(u.get("x")), float(u.get("y"))) for u in line.iter(_SVG + "use")
                       if _colour(_style(u), "fill") == _colour(_style(p), "stroke")]
            for x, y in [*verts, *markers]:
                points[(month_of(x), level)] = (y - ay) / by

    bands: dict[tuple[pd.Timestamp, str], tuple[float, float]] = {}
    for coll in _children(axes, "g"):
        if not _gid(coll).startswith("FillBetween") and not _gid(coll).startswith("PolyCollection"):
            continue
        for colour, pts in _polygons(coll, defs):
            level = colours.get(colour)
            if level is None:
                continue
            for x, (ytop, ybottom) in _band_edges(pts).items():
                bands[(month_of(x), level)] = ((ybottom - ay) / by, (ytop - ay) / by)

    rows = []
    for (month, level), share in points.items():
        low, high = bands.get((month, level), (np.nan, np.nan))
        num = n = -1
        matches = 0
        if not np.isnan(low):
            num, n, matches = recover_counts(share, low, high, n_max=n_max, tol=tol)
        rows.append((month, level, share, low, high, num, n, matches, tol))
    return pd.DataFrame(rows, columns=["start_month", "level", "share", "ci_low", "ci_high", "num", "n",
                                       "matches", "tol"])
