"""Code lists of the data contract and their Swedish labels.

Every allowed code of a coded column lives here, once. The schema (`romlab.dataset.contract`)
checks against these lists; tables use the Swedish labels, spelled exactly as in the
report (§4.1 and its Tabell 1 for the activities).
"""

from __future__ import annotations

import datetime as dt

#: Hour columns of a periodic report, in the row order of Tabell 2.
#: code name → Swedish label as in Tabell 1; "Eget arbete" is the
#: participant's own work, reported beside the 11 activities.
ACTIVITIES: dict[str, str] = {
    "hours_own_work": "Eget arbete",
    "hours_health": "Hälsofrämjande åtgärder",
    "hours_development_meeting": "Individuellt utvecklingsmöte",
    "hours_information": "Information",
    "hours_other_actor": "Insats hos annan aktör",
    "hours_employer_contacts": "Kontakter med arbetsgivare eller andra relevanta aktörer",
    "hours_short_training": "Kortare utbildning",
    "hours_motivational": "Motiverande samtal",
    "hours_practical": "Praktiskt stöd",
    "hours_digital": "Stöd för att stärka deltagarens digitala kompetens",
    "hours_language": "Stärka språkkunskaper",
    "hours_guidance": "Vägledning mot arbete eller utbildning",
}
HOUR_COLUMNS: list[str] = list(ACTIVITIES)

#: Activities left out of total support (sammanlagt stöd): report §4.2 and footnote 20.
EXCLUDED_FROM_TOTAL: tuple[str, ...] = ("hours_own_work", "hours_other_actor")
TOTAL_SUPPORT_LABEL = "Sammanlagt stöd"

#: Service generation: RoM 1 until 2023-04-16, RoM 2 from 2023-04-17 (the agency's status
#: report of May 2023, §7.1).
GENERATIONS: dict[int, str] = {1: "Rusta och matcha 1", 2: "Rusta och matcha 2"}
ROM2_START = dt.date(2023, 4, 17)
#: Smallest unit of reported hours per generation: RoM 1 whole hours, RoM 2 15 minutes.
HOUR_UNIT: dict[int, float] = {1: 1.0, 2: 0.25}

LEVELS: dict[str, str] = {"A": "Nivå A", "B": "Nivå B", "C": "Nivå C"}

SEXES: dict[str, str] = {"woman": "Kvinna", "man": "Man"}

#: Highest completed education. The report splits at upper secondary (§3.1).
EDUCATION: dict[str, str] = {
    "compulsory": "Förgymnasial utbildning",
    "upper_secondary": "Gymnasial utbildning",
    "post_secondary": "Eftergymnasial utbildning",
}

#: Framework programmes (ramprogram, the report's footnote 11): jobb- och
#: utvecklingsgarantin, jobbgarantin för ungdomar, etableringsprogrammet.
FRAMEWORK_PROGRAMMES: dict[str, str] = {
    "none": "Inget ramprogram",
    "jog": "Jobb- och utvecklingsgarantin",
    "uga": "Jobbgarantin för ungdomar",
    "establishment": "Etableringsprogrammet",
}

#: Why a participation ended (avslutsorsak).
END_REASONS: dict[str, str] = {
    "completed": "Tjänsten fullföljd",
    "work_or_studies": "Arbete eller studier",
    "interrupted": "Avbrott",
    "provider_terminated": "Leverantörens avtal upphörde",
}

#: Result report types: RoM 1 R1/R2 (report §3.4); RoM 2 results at 3 and 6 months
#: (the agency's status report of May 2023, §7.4).
RESULT_TYPES: dict[str, str] = {
    "R1": "Resultatrapport 1",
    "R2": "Resultatrapport 2",
    "R3M": "Resultat efter 3 månader",
    "R6M": "Resultat efter 6 månader",
}
RESULT_TYPES_BY_GENERATION: dict[int, tuple[str, ...]] = {1: ("R1", "R2"), 2: ("R3M", "R6M")}

OUTCOMES: dict[str, str] = {"work": "Arbete", "studies": "Utbildning"}

#: Register events used to split work results (report §5.3.2).
REGISTER_EVENTS: dict[str, str] = {
    "subsidised_employment": "Beslut om subventionerad anställning",
    "exit_unsubsidised_work": "Avaktualiserad till osubventionerat arbete",
}

#: Ratings (betyg) are 1–4 stars (quality conditions §3.1); a missing rating counts as 1
#: (quality conditions §3).
RATINGS: tuple[int, ...] = (1, 2, 3, 4)
