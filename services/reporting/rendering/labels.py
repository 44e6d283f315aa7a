"""Swedish names for every code the annual report shows (D-1, D-5, D-6, D-9).

The report is read by the managers of a Swedish collaboration body, so the page
shows "Ingen SIP upprättad", not ``no_sip``. The JSON and CSV keep the codes
(they are for machines); only the HTML page is labelled.

`label` falls back safely: a month ``2026-03`` reads "mar 2026", and a code
this table does not know yet (a target group added later) is shown in words,
its underscores as spaces, never as an error and never cut short.
"""

from __future__ import annotations

import re

from services.reporting.domain.annual_report import (
    PROBLEM_AREA_TABLE,
    UNSPECIFIED,
    USER_INVOLVEMENT_TABLE,
)
from services.reporting.domain.annual_review import ACTIONS_TABLE
from services.reporting.domain.disclosure import TOTAL
from services.reporting.domain.measures import (
    ADULT_DECISIONS_BY_GROUP,
    DECISIONS_CHILD_PERSPECTIVE_BY_GROUP,
    HANDOVERS_BY_GROUP,
    NO_TARGET_GROUP,
    RED_THREAD_MEETINGS_BY_GROUP,
    SCREENING_ADVICE_BY_GROUP,
    SCREENING_FOLLOW_UPS,
    SCREENING_REFERRALS_BY_GROUP,
    SCREENINGS_AT_NEW_VISITS,
    SCREENINGS_FOLLOWED_UP_BY_GROUP,
    SIP_FOLLOW_UPS_BY_GROUP,
    SIPS_ESTABLISHED_BY_GROUP,
    SIPS_PROPOSED_BY_GROUP,
    TARGET_GROUPS_REACHED,
    VIOLENCE_QUESTION_BY_GROUP,
    VIOLENCE_SUPPORT_BY_GROUP,
)

CATEGORIES = {
    "no_sip": "Ingen SIP upprättad",
    "mina_planer_not_used": "Mina planer används inte korrekt",
    "treatment_engagement": "Behandling och insatser",
    "holistic_view": "Brist på helhetssyn eller individfokus",
    "communication": "Kommunikation och information",
    "competence": "Kompetens eller förståelse för varandras uppdrag",
    "routines": "Rutiner saknas eller följs inte",
}
"""D-1 (seed 002): the categories of collaboration failure."""

TARGET_GROUPS = {
    "children_and_youth": "Barn och unga",
    "exposed_to_violence": "Våldsutsatta",
    "pregnant_with_risky_use": "Gravida med riskbruk eller missbruk",
    "co_morbidity": "Samsjuklighet",
    "opioid_dependence": "Opiatberoende",
    "over_65_in_homelessness": "Över 65 år i hemlöshet",
    NO_TARGET_GROUP: "Ingen målgrupp angiven",
}
"""The target groups of seed 004 (and seed 003's homeless over 65)."""

PROBLEM_AREAS = {
    "mental_illness": "Psykisk ohälsa",
    "disability": "Funktionsnedsättning",
    "harmful_use": "Skadligt bruk",
    "addiction": "Beroende",
    UNSPECIFIED: "Ej angivet",
}
"""D-5 (seed 002)."""

OUTCOMES = {
    TOTAL: "Totalt",
    "all": "Alla",
    "summarised": "Hanterad (steg 2 signerat)",
    "open": "Öppen",
    "reported": "Rapporterad",
    "detected": "Upptäckt (missad tidsgräns)",
    "with_consent": "Med samtycke",
    "without_consent": "Utan samtycke",
    "recorded": "Genomförd",
    "overdue": "Försenad",
    "acknowledged": "Kvitterad",
    "held": "Hållet",
    "considered": "Beaktat",
    "not_considered": "Inte beaktat",
    "children": "Barn i hushållet",
    "no_children": "Inga barn i hushållet",
    "followed_up": "Följd upp",
    "not_followed_up": "Inte följd upp",
    "done": "Genomförd",
    "declined": "Avböjd",
    "new_visit": "Nybesök",
    "follow_up": "Uppföljning",
    "involved": "Med brukarmedverkan",
    "not_involved": "Utan brukarmedverkan",
    "not_recorded": "Ej angivet",
    "local": "Lokal nivå",
    "county": "Länsnivå",
    "drafted": "Utkast",
    "analysed": "Analyserad",
    "approved": "Godkänd",
    "published": "Publicerad",
    "advice_offered": "Rådgivning erbjuden",
    "no_advice": "Ingen rådgivning",
    "referred": "Remitterad vidare",
    "not_referred": "Inte remitterad",
    "asked": "Våldsfrågan ställd",
    "not_asked": "Våldsfrågan inte ställd",
    "support_offered": "Stöd erbjudet",
    "no_support": "Inget stöd erbjudet",
}
"""The columns of the tables, levels of the action plan and stages of the review."""

CODES = {**CATEGORIES, **TARGET_GROUPS, **PROBLEM_AREAS, **OUTCOMES}

TABLE_TITLES = {
    "Deviations by month and category": "Avvikelser per månad och kategori",
    "Deviations by category: handled (step 2 signed) or open": (
        "Avvikelser per kategori: hanterade (steg 2 signerat) eller öppna"
    ),
    "Deviations by category: reported or detected from missed deadlines": (
        "Avvikelser per kategori: rapporterade eller upptäckta genom missade tidsgränser"
    ),
    PROBLEM_AREA_TABLE: (
        "Avvikelser per problemområde (D-5): psykisk ohälsa, funktionsnedsättning, "
        "skadligt bruk och beroende"
    ),
    USER_INVOLVEMENT_TABLE: "Avvikelser per kategori och brukarmedverkan (D-9)",
    ACTIONS_TABLE: "Handlingsplanens åtgärder per nivå och brukarmedverkan (D-9)",
    SIPS_PROPOSED_BY_GROUP: "SIP som föreslagits, med eller utan den enskildes samtycke",
    SIPS_ESTABLISHED_BY_GROUP: "Upprättade SIP per månad",
    SIP_FOLLOW_UPS_BY_GROUP: "SIP-uppföljningar genomförda eller försenade",
    TARGET_GROUPS_REACHED: "Nådda målgrupper: ärenden som kommit in i varje grupp, per månad",
    HANDOVERS_BY_GROUP: "Överlämningar kvitterade i tid eller försenade",
    RED_THREAD_MEETINGS_BY_GROUP: "Röda tråden-möten hållna i tid eller försenade (14 dagar)",
    DECISIONS_CHILD_PERSPECTIVE_BY_GROUP: "Beslut där barnperspektivet har beaktats",
    ADULT_DECISIONS_BY_GROUP: "Beslut om vuxna med barn i hushållet",
    SCREENINGS_AT_NEW_VISITS: "Screening vid nybesök, per instrument och utfall",
    SCREENING_FOLLOW_UPS: "Uppföljande screening, per instrument och utfall",
    SCREENINGS_FOLLOWED_UP_BY_GROUP: "Genomförda screeningar vid nybesök som följts upp",
    SCREENING_ADVICE_BY_GROUP: "Rådgivning erbjuds vid behov: screeningar med risk (K-15)",
    SCREENING_REFERRALS_BY_GROUP: (
        "Screeningar med risk som lett till remiss till mer kvalificerade insatser (K-15)"
    ),
    VIOLENCE_QUESTION_BY_GROUP: "Våldsfrågan ställd: kontakter där den ställts (K-16)",
    VIOLENCE_SUPPORT_BY_GROUP: "Stöd erbjudet när någon är våldsutsatt (K-16)",
}
"""Each table's Swedish heading, by its measure (or, for the first three, its title)."""

INDICATOR_TITLES = {
    "coordination": "Samordning",
    "accessibility": "Tillgänglighet",
    "quality": "Kvalitet",
    "prevention": "Förebyggande arbete",
}
"""D-6 (seed 004): the four indicator groups, in the order the page shows them."""

MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def label(code: str) -> str:
    """The Swedish name of `code`; a month as "mar 2026"; an unknown code in words."""
    if code in CODES:
        return CODES[code]
    month = _MONTH.match(code)
    if month and 1 <= int(month.group(2)) <= 12:
        return f"{MONTHS[int(month.group(2)) - 1]} {month.group(1)}"
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def table_title(measure: str, title: str) -> str:
    """The table's Swedish heading, or its own title if this table is not known yet."""
    return TABLE_TITLES.get(measure) or TABLE_TITLES.get(title) or title
