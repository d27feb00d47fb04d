"""The workbook of a run (`tabeller.xlsx`): one sheet per report table of the register
(`romlab.report.registry`), laid out as the report prints it, with a first sheet about the
run and a sheet of significance tests."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from romlab.publication import disclosure
from romlab.publication.exports import suppressed
from romlab.run.config import RunConfig

TOTAL = "ABC"

LABELS = {
    "measure": "Mått", "activity": "Aktivitet", "group": "Grupp", "window": "Fönster", "level": "Nivå",
    "percentile": "Percentil", "included_share": "Andel som ingår (%)", "adjusted": "Justering",
    "column": "Kolumn",
    "mean_hours": "Medelvärde (timmar)", "median_hours": "Median (timmar)", "observations": "Antal observationer",
    "percentile_hours": "Timmar", "share_any_hour": "Andel med minst en timme", "r2_share": "Andel R2",
    "work_share": "Andel arbete", "education_share": "Andel studier",
    "work_share_of_results": "Arbetets andel av resultaten", "coef": "Koefficient", "se": "Standardfel",
    "r_squared": "R²", "adj_r_squared": "Justerat R²",
    "unsubsidised_share_of_employment": "Andel osubventionerat av arbetena",
    "unsubsidised_work_share": "Andel osubventionerat arbete", "subsidised_work_share": "Andel subventionerat arbete",
    TOTAL: "Totalt", "A": "Nivå A", "B": "Nivå B", "C": "Nivå C",
}

SUPPRESSION_NOTE = ("'..': uppgiften redovisas inte av sekretesskäl (röjandekontroll). "
                    "{n} cell(er) i tabellen redovisas inte; se undertryckta.csv.")


def _kind(measure: str, table: str) -> str:
    m = str(measure)
    if table == "urval":
        return "ratio" if m == "reports_per_individual" else "count"
    if m in {"observations", "n"}:
        return "count"
    if "share" in m:
        return "percent"
    if "hours" in m:
        return "hours"
    if m in {"coef", "se"}:
        return "coef"
    if "r_squared" in m:
        return "r2"
    return "number"


def _label(key: str, v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if key == "window":
        return f"Fönster {v}"
    if key == "percentile":
        return f"P{v:g}" if isinstance(v, (int, float)) else f"P{v}"
    if key == "included_share":
        return f"{v:g} %" if isinstance(v, (int, float)) else f"{v} %"
    return str(LABELS.get(v, v)) if isinstance(v, str) else str(v)


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: str | Path, cfg: RunConfig,
               info: Mapping[str, str] | None = None) -> Path:
    """One sheet per report table in `SHEETS` that is in ``tables``, laid out as rows ×
    columns with Swedish labels; numbers stored as numbers (percent as fractions with a
    percent format, hours with one decimal, counts as integers); suppressed cells
    (``suppressed``: pass protected tables, `romlab.run.period`) written as '..' with a note
    under the table; significant cells bold,
    Tabell 17's flagged cells filled. A first sheet "Om körningen" states the run."""
    import xlsxwriter

    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
    wb.set_properties({"title": f"romlab {cfg.period}", "author": "romlab", "created": pd.Timestamp(0).to_pydatetime()})
    fmt = {"title": wb.add_format({"bold": True, "font_size": 12}),
           "head": wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
           "note": wb.add_format({"italic": True, "font_color": "#555555"}),
           "dots": wb.add_format({"align": "right"})}
    nums = {"percent": "0%", "hours": "0.0", "count": "#,##0", "ratio": "0.0", "coef": "0.000",
            "r2": "0.0000", "number": "General"}
    cell_fmt = {}
    for kind, nf in nums.items():
        for bold in (False, True):
            for fill in (False, True):
                props = {"num_format": nf, "bold": bold}
                if fill:
                    props["bg_color"] = "#FFE699"
                cell_fmt[(kind, bold, fill)] = wb.add_format(props)

    ws = wb.add_worksheet("Om körningen")
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 60)
    ws.write(0, 0, f"Rusta och matcha: stöd och resultat, rapportmånad {cfg.period}", fmt["title"])
    rows = [("Rapportmånad", cfg.period), ("Datauttag (cut-off)", str(cfg.data_cutoff.date())),
            ("Minsta cell som visas", cfg.min_cell), *((k, str(v)) for k, v in (info or {}).items())]
    for i, (k, v) in enumerate(rows, start=2):
        ws.write(i, 0, k)
        ws.write(i, 1, v)
    ws.write(len(rows) + 3, 0, "Röjandekontroll", fmt["head"])
    ws.write(len(rows) + 4, 0, "'..': uppgiften redovisas inte av sekretesskäl. En uppgift redovisas inte om "
                               f"den, eller en delmängd av den, bygger på färre än {cfg.min_cell} personer, eller "
                               "om den annars skulle låta en sådan uppgift räknas fram eller ringas in. "
                               "Cellerna som inte redovisas finns i undertryckta.csv.")

    from romlab.report.registry import table_defs

    for d in table_defs():  # one sheet per report table, in report order
        if d.key not in tables:
            continue
        _write_table(wb, wb.add_worksheet(d.sheet), d.key, tables[d.key], d.heading, list(d.columns), cfg.min_cell,
                     fmt, cell_fmt)
    tests = [t for k, t in tables.items() if k.startswith("tests_")]
    if tests:
        _write_tests(wb.add_worksheet("Signifikanstester"), pd.concat(tests, ignore_index=True), fmt, cell_fmt)
    wb.close()
    return path


def _write_table(wb, ws, key, long, title, col_keys, min_cell, fmt, cell_fmt) -> None:
    long = long.reset_index(drop=True)
    if key == "urval":
        long = long.assign(table="urval")
    from romlab.publication.compare import KEYS  # the key order only; imported here to keep compare off the computation path

    col_keys = [k for k in col_keys if k in long.columns]
    key_cols = [k for k in KEYS if k in long.columns and k not in ("table", *col_keys)]
    if key in {"13", "A1"}:  # A1's group duplicates its column
        key_cols = [k for k in key_cols if not (key == "A1" and k == "group")]
    sup = suppressed(long).to_numpy()
    sig = long["significant"].fillna(False).astype(bool).to_numpy() if "significant" in long else np.zeros(len(long), bool)
    flag = long["flagged"].fillna(False).astype(bool).to_numpy() if "flagged" in long else np.zeros(len(long), bool)
    rows: dict[tuple, int] = {}
    cols: dict[tuple, int] = {}
    cells = {}
    for i, rec in enumerate(long.to_dict("records")):
        rk = tuple(None if pd.isna(rec[k]) else rec[k] for k in key_cols)
        ck = tuple(None if pd.isna(rec[k]) else rec[k] for k in col_keys)
        rows.setdefault(rk, len(rows))
        cols.setdefault(ck, len(cols))
        measure = rec.get("measure", "") if "measure" not in col_keys else ck[col_keys.index("measure")]
        cells[(rk, ck)] = (rec["value"], _kind(measure, key), sup[i], sig[i], flag[i])
    ws.write(0, 0, title, fmt["title"])
    header = 2
    for j, k in enumerate(key_cols):
        ws.write(header, j, LABELS.get(k, k), fmt["head"])
    for ck, j in cols.items():
        label = " / ".join(_label(k, v) for k, v in zip(col_keys, ck)) if col_keys else "Värde"
        ws.write(header, len(key_cols) + j, label, fmt["head"])
    n_sup = 0
    for rk, i in rows.items():
        r = header + 1 + i
        for j, (k, v) in enumerate(zip(key_cols, rk)):
            ws.write(r, j, _label(k, v))
        for ck, j in cols.items():
            if (rk, ck) not in cells:
                continue
            value, kind, s, b, f = cells[(rk, ck)]
            c = len(key_cols) + j
            if s:
                ws.write_string(r, c, disclosure.SUPPRESSED, fmt["dots"])
                n_sup += 1
            elif value is None or pd.isna(value):
                ws.write_blank(r, c, None)
            else:
                v = float(value) / 100 if kind == "percent" else float(value)
                ws.write_number(r, c, v, cell_fmt[(kind, bool(b), bool(f))])
    last = header + 1 + len(rows)
    ws.write(last + 1, 0, SUPPRESSION_NOTE.format(min_cell=min_cell, n=n_sup), fmt["note"])
    if "significant" in long.columns:
        ws.write(last + 2, 0, "Fetstil: statistiskt signifikant skillnad.", fmt["note"])
    if "flagged" in long.columns:
        ws.write(last + 3, 0, "Markerad cell: gruppen har högre andel resultat än jämförelsegruppen.", fmt["note"])
    ws.set_column(0, max(len(key_cols) - 1, 0), 34)
    ws.set_column(len(key_cols), len(key_cols) + max(len(cols) - 1, 0), 14)
    ws.freeze_panes(header + 1, len(key_cols))


def _write_tests(ws, tests: pd.DataFrame, fmt, cell_fmt) -> None:
    cols = ["by", "activity", "group", "reference", "mean", "mean_reference", "difference", "se", "p_value",
            "significant"]
    labels = ["Indelning", "Aktivitet", "Grupp", "Jämförelsegrupp", "Medelvärde", "Medelvärde jämförelse",
              "Skillnad (timmar)", "Standardfel", "p-värde", "Signifikant"]
    ws.write(0, 0, "Signifikanstester av skillnader i stöd mellan grupper (klustrade standardfel per person)",
             fmt["title"])
    for j, lab in enumerate(labels):
        ws.write(2, j, lab, fmt["head"])
    sup = suppressed(tests).to_numpy()
    for i, rec in enumerate(tests[cols].to_dict("records"), start=3):
        for j, c in enumerate(cols):
            v = rec[c]
            if sup[i - 3] and c in ("mean", "mean_reference", "difference", "se", "p_value", "significant"):
                ws.write_string(i, j, disclosure.SUPPRESSED, fmt["dots"])
            elif c == "significant":
                ws.write(i, j, "Ja" if bool(v) else "Nej")
            elif isinstance(v, str):
                ws.write_string(i, j, v)
            elif v is None or pd.isna(v):
                ws.write_blank(i, j, None)
            else:
                ws.write_number(i, j, float(v), cell_fmt[("coef" if c != "p_value" else "r2", False, False)])
    ws.set_column(0, 3, 26)
    ws.set_column(4, 9, 14)


