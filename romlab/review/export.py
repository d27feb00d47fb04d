"""What the provider review shows and publishes: the follow-up file and its disclosure.

- `hidden`: which numbers a reader may not see. The rule is the report tables'
  (`romlab.publication.disclosure.primary`: fewer than ``min_cell`` persons, the run's
  `RunConfig.min_cell` unless overridden, A14, A65); the file publishes no margins over
  contracts, so no cell is linked to another and there is no secondary suppression.
- `follow_up_file` / `export_follow_up`: the follow-up file of one publication month
  as the agency publishes it (`000` §3.1: "filen för resultatuppföljning"), Swedish
  headings, Excel and CSV.
- `follow_up_summary`, `parameter_table`: the follow-up and the review's dates and
  choices in a few rows, for the notebook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from romlab import months
from romlab.publication import disclosure
from romlab.publication.disclosure import SUPPRESSED
from romlab.review.config import LEVELS, ReviewConfig
from romlab.review.measure import data_end, measurement_window, publication_cutoff, review_months

__all__ = ["hidden", "FILE_HEADINGS", "follow_up_file", "export_follow_up", "follow_up_summary",
           "parameter_table", "SUPPRESSED", "with_uncertainty"]

def hidden(persons: pd.Series, min_cell: int) -> pd.Series:
    """True where a number resting on ``persons`` persons is suppressed: the report
    tables' primary rule (`disclosure.primary`: fewer than ``min_cell``; NA counts as
    large). The review's cells are not linked (no sums over contracts are published),
    so there is no complementary suppression. Same index as ``persons``."""
    return disclosure.primary(persons, min_cell)


def percent(s: pd.Series) -> pd.Series:
    """A share as Swedish percent text with one decimal ("18,3 %"); NA → ""."""
    return (s * 100).map(lambda v: f"{v:.1f}".replace(".", ",") + " %" if pd.notna(v) else "")


def count_shown(persons: pd.Series, min_cell: int) -> pd.Series:
    """A count of persons as text, ``..`` where `hidden`."""
    return persons.map(lambda v: f"{int(v)}" if pd.notna(v) else SUPPRESSED).mask(hidden(persons, min_cell),
                                                                                  SUPPRESSED)


#: Swedish headings of the published follow-up file.
FILE_HEADINGS = {
    "provider_name": "Leverantör", "provider_id": "Leverantörs-id", "delivery_area": "Leveransområde",
    "contract_end": "Avtalet upphör/upphörde", "participants": "Antal deltagare",
    "results": "Antal resultat", "measure": "Viktat resultatmått (%)", "rating": "Betyg",
    "lower": "KI nedre", "upper": "KI övre", "expected_measure": "Förväntat resultatmått",
    "oe": "Faktiskt/förväntat",
}
#: The uncertainty columns (`with_uncertainty`) in percent (one decimal) and as a ratio (two).
UNCERTAINTY_PERCENT, UNCERTAINTY_RATIO = ("lower", "upper", "expected_measure"), ("oe",)


def with_uncertainty(data, publication_month: Any, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """The follow-up of a publication month (`measure.follow_up`) with the measure's 95 %
    confidence interval (``lower``, ``upper``: `uncertainty.intervals`, Kish–Wilson for
    the weighted measure), the expected measure of its participants and actual/expected
    (``expected_measure``, ``oe``: `risk_adjust.expected_vs_actual`); what the follow-up
    file publishes beside the measure."""
    from romlab.review import risk_adjust, uncertainty
    from romlab.review.config import KEY
    from romlab.review.measure import follow_up

    fu = follow_up(data, publication_month, cfg)
    iv = uncertainty.intervals(data, publication_month, cfg)[[*KEY, "lower", "upper"]]
    ea = risk_adjust.expected_vs_actual(data, publication_month, cfg)[[*KEY, "expected_measure", "oe"]]
    out = fu.merge(iv, on=KEY, how="left").merge(ea, on=KEY, how="left")
    out.attrs = dict(fu.attrs)
    return out


def _as_text(out: pd.DataFrame) -> pd.DataFrame:
    """The file's numbers as text: suppressed cells ``..``, decimal commas."""
    def number(v, decimals):
        if pd.isna(v):
            return SUPPRESSED
        if decimals == 0 or float(v).is_integer() and decimals is None:
            return f"{int(v)}"
        return f"{v:.1f}".replace(".", ",")

    h = FILE_HEADINGS
    out[h["participants"]] = out[h["participants"]].map(lambda v: number(v, 0))
    out[h["results"]] = out[h["results"]].map(lambda v: number(v, None))
    out[h["measure"]] = out[h["measure"]].map(lambda v: number(v, 1))
    for key in UNCERTAINTY_PERCENT + UNCERTAINTY_RATIO:
        if h[key] in out:
            out[h[key]] = out[h[key]].map(lambda v, d=(2 if key == "oe" else 1): SUPPRESSED if pd.isna(v) else
                                          f"{v:.{d}f}".replace(".", ","))
    out[h["rating"]] = out[h["rating"]].map(lambda v: "" if pd.isna(v) else str(int(v)))
    out[h["contract_end"]] = out[h["contract_end"]].fillna("")
    return out


def follow_up_file(fu: pd.DataFrame, cfg: ReviewConfig | None = None, shown: bool = False) -> pd.DataFrame:
    """The follow-up file of one publication month as the agency would publish it:
    contracts in the follow-up, Swedish headings (`FILE_HEADINGS`), the measure in
    percent with one decimal, the rating (empty: none); when `fu` comes from
    `with_uncertainty`, also the measure's confidence interval (KI nedre, KI övre), the
    expected measure and actual/expected.

    Disclosure (`hidden`): the number of participants and the measure of a contract
    with fewer than ``min_cell`` participants are suppressed, and so is the number of
    results when fewer than ``min_cell`` persons have one. With ``shown=True``
    suppressed cells read ``..`` (for display and CSV); otherwise they are NA (numbers
    stay numbers, for Excel).
    """
    cfg = cfg or ReviewConfig()
    t = fu.loc[fu["in_follow_up"]]
    small = hidden(t["participants"], cfg.min_cell)
    h = FILE_HEADINGS
    out = pd.DataFrame({
        h["provider_name"]: t["provider_name"].fillna(t["provider_id"]),
        h["provider_id"]: t["provider_id"],
        h["delivery_area"]: t["delivery_area"],
        h["contract_end"]: t["contract_end"].dt.strftime("%Y-%m-%d"),
        h["participants"]: t["participants"].astype("Int64").mask(small),
        h["results"]: t["results"].round(1).astype("Float64").mask(hidden(t["persons_with_result"], cfg.min_cell)),
        h["measure"]: (t["measure"] * 100).round(1).astype("Float64").mask(small),
        h["rating"]: t["rating"],
    }).reset_index(drop=True)
    for key in [k for k in UNCERTAINTY_PERCENT + UNCERTAINTY_RATIO if k in t]:  # `with_uncertainty`'s columns
        value = t[key] if key == "oe" else t[key] * 100
        out[h[key]] = value.round(2 if key == "oe" else 1).astype("Float64").mask(small).to_numpy()
    return _as_text(out) if shown else out


def export_follow_up(fu: pd.DataFrame, stem: str | Path, cfg: ReviewConfig | None = None) -> dict[str, Path]:
    """Write the follow-up file as ``<stem>.xlsx`` and ``<stem>.csv`` (Swedish headings).

    The CSV is written the way Swedish Excel reads it: ``;`` separators, decimal commas,
    UTF-8 with BOM, suppressed cells as ``..``. The Excel sheet ("Resultatuppföljning")
    keeps numbers as numbers and writes ``..`` in suppressed cells. Returns the paths.
    """
    cfg = cfg or ReviewConfig()
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    month = fu.attrs.get("publication_month", "")
    csv_path = stem.with_suffix(".csv")
    follow_up_file(fu, cfg, shown=True).to_csv(csv_path, sep=";", index=False, encoding="utf-8-sig")
    raw = follow_up_file(fu, cfg).astype(object)
    raw = raw.where(raw.notna(), None)
    for col in [c for c in raw.columns if c in {FILE_HEADINGS[k] for k in ("participants", "results", "measure",
                                                                            *UNCERTAINTY_PERCENT, *UNCERTAINTY_RATIO)}]:
        raw[col] = raw[col].map(lambda v: SUPPRESSED if v is None else v)
    xlsx_path = stem.with_suffix(".xlsx")
    with pd.ExcelWriter(xlsx_path, engine="xlsxwriter") as xl:
        raw.to_excel(xl, sheet_name="Resultatuppföljning", index=False, startrow=1)
        sheet = xl.sheets["Resultatuppföljning"]
        sheet.write(0, 0, f"Resultatuppföljning Rusta och matcha 2, publicering {month}; "
                          f"resultat godkända t.o.m. {fu.attrs['cutoff'].date() if 'cutoff' in fu.attrs else ''}; "
                          f"'{SUPPRESSED}' = färre än {cfg.min_cell} personer")
        sheet.set_column(0, 0, 22)
        sheet.set_column(1, len(raw.columns) - 1, 16)
    return {"xlsx": xlsx_path, "csv": csv_path}


def follow_up_summary(fu: pd.DataFrame, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """The follow-up in a few counts (Swedish headings): contracts known at the
    cut-off, too young (first participant less than 12 months before), without
    participants in the start months, in the follow-up, with their participants
    suppressed (fewer than ``min_cell``), rated, and below the threshold; the median
    measure."""
    cfg = cfg or ReviewConfig()
    inf = fu["in_follow_up"]
    small = inf & hidden(fu["participants"], cfg.min_cell)
    med = fu.loc[inf, "measure"].median()
    rows = [
        ("RoM 2-avtal kända vid datauttaget", len(fu)),
        (f"För nya (första deltagaren för mindre än {cfg.min_months_since_first} månader sedan)",
         int((~fu["eligible"]).sum())),
        ("Inga deltagare i mätperioden", int((fu["eligible"] & (fu["participants"] == 0)).sum())),
        ("Avtal i resultatuppföljningen", int(inf.sum())),
        ("– varav upphörda", int((inf & fu["ended"]).sum())),
        (f"– varav färre än {cfg.min_cell} deltagare", int(small.sum())),
        ("– varav utan betyg", int((inf & fu["rating"].isna()).sum())),
        (f"– varav resultatmått under {cfg.threshold * 100:g} %", int(fu["below_threshold"].sum())),
        ("Deltagare i mätperioden", int(fu.loc[inf, "participants"].sum())),
        ("Median resultatmått (%)", "–" if pd.isna(med) else f"{med * 100:.1f}".replace(".", ",")),
    ]
    title = "Uppföljning " + str(fu.attrs.get("publication_month", ""))
    return pd.DataFrame(rows, columns=[title, "Antal"]).set_index(title)


def parameter_table(data, first_month: Any, second_month: Any = None, cfg: ReviewConfig | None = None) -> pd.DataFrame:
    """The review's dates and choices as a two-column table (Parameter, Värde). `data`
    is a Dataset or a `FollowUps`."""
    cfg = cfg or getattr(data, "cfg", None) or ReviewConfig()
    m1, m2 = review_months(first_month, second_month)
    rows = []
    for m in (m1, m2):
        w = measurement_window(m, cfg)
        rows += [(f"Uppföljning {m}: datauttag", str(publication_cutoff(m, cfg).date())),
                 (f"Uppföljning {m}: startmånader i resultatmåttet", f"{w[0]} – {w[1]}"),
                 (f"Uppföljning {m}: första deltagaren senast", months.shift(m, -1 - cfg.min_months_since_first))]
    rows += [
        ("Resultat som räknas", ", ".join(f"{k} × {v:g}".replace(".", ",") for k, v in cfg.result_values.items())),
        ("Nivåvikter A / B / C", " / ".join(f"{cfg.level_weights[lv]:.3f}".replace(".", ",") for lv in LEVELS)),
        ("Gräns för resultatmått", f"{cfg.threshold * 100:g} %"),
        ("Aktivt avtal minst (månader)", f"{cfg.min_months_active} (vid {'båda' if cfg.active_months_at == 'both' else m2})"),
        ("Saknat betyg räknas som", str(cfg.missing_rating)),
        ("Placeringsstopp före hävning (dagar)", str(cfg.placement_stop_days)),
        ("Minsta cell som visas", str(cfg.min_cell)),
        ("Data t.o.m.", str(data_end(data).date())),
    ]
    return pd.DataFrame(rows, columns=["Parameter", "Värde"]).set_index("Parameter")
