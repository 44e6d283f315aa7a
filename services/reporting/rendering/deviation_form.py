"""A deviation as the municipality's form, "Blankett för avvikelserapport" (D-8, seed 003).

"Ifylld avvikelserapport sänds till verksamhetscontroller IoF för förvaring": the
controller keeps the filled-in report, and the parties print it for their own files.
One self-contained Swedish HTML page (inline CSS with print rules, no scripts, no
external resources) with both parts of the report (D-2): part 1 as the unit that
noticed the failure wrote it (or, for a missed deadline, as it was detected, D-7),
part 2 the joint summary with both signatures. The category is named as seed 002
names it (D-1). Every value is escaped; free text erased on request or culled reads
"[erased]", as everywhere else.

Presentation, not domain: the deviation is loaded and authorised by the application.
"""

from __future__ import annotations

import html
from datetime import datetime

from contracts import DeviationCategory
from services.reporting.domain import Deviation
from services.reporting.domain.signatures import Signature
from services.runtime.kernel.personal import text_of
from services.runtime.kernel.stockholm_time import stockholm_date

CATEGORY_NAMES_SV = {
    DeviationCategory.NO_SIP: "SIP har inte upprättats",
    DeviationCategory.MINA_PLANER_NOT_USED: "Mina planer används inte på rätt sätt",
    DeviationCategory.TREATMENT_ENGAGEMENT: "Bemötande och engagemang",
    DeviationCategory.HOLISTIC_VIEW: "Brist på helhetssyn eller individfokus",
    DeviationCategory.COMMUNICATION: "Kommunikation och information",
    DeviationCategory.COMPETENCE: "Kompetens eller förståelse för varandras uppdrag",
    DeviationCategory.ROUTINES: "Rutiner saknas eller följs inte",
}
"""D-1: the seven categories of collaboration failure in the words of seed 002."""

TITLE = "Blankett för avvikelserapport"

_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:48em;color:#000}"
    "h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #000;margin-top:1.5em}"
    "dl{display:grid;grid-template-columns:14em 1fr;gap:.4em 1em}dt{font-weight:bold}"
    "dd{margin:0;white-space:pre-wrap}.sign{display:flex;gap:2em}"
    ".sign section{flex:1;border-top:1px solid #000;padding-top:.4em}"
    "@page{size:A4;margin:2cm}"
    "@media print{body{margin:0;max-width:none;font-size:11pt}"
    "h2,dl,.sign{break-inside:avoid}a{color:#000;text-decoration:none}}"
)


def _day(at: datetime | None) -> str:
    return "" if at is None else stockholm_date(at).isoformat()


def _fields(rows: list[tuple[str, str]]) -> str:
    items = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in rows)
    return f"<dl>{items}</dl>"


def _signature(heading: str, signature: Signature | None) -> str:
    if signature is None:
        body = _fields([("Namn", ""), ("Titel", ""), ("Enhet", ""), ("Datum", "")])
    else:
        body = _fields(
            [
                ("Namn", signature.name.text),
                ("Titel", signature.title.text),
                ("Enhet", signature.org_id),
                ("Datum", _day(signature.signed_at)),
            ]
        )
    return f"<section><h3>{html.escape(heading)}</h3>{body}</section>"


def _part_one(deviation: Deviation) -> str:
    category = CATEGORY_NAMES_SV[DeviationCategory(deviation.category)]
    affected = ", ".join(deviation.affected_orgs) or "(ingen angiven)"
    if deviation.detected:
        return _fields(
            [
                ("Kategori", category),
                ("Berörda organisationer", affected),
                ("Upptäckt", f"Missad tidsfrist enligt rutinen, regel {deviation.rule or ''}"),
                ("Vad har hänt", deviation.what_happened.text),
                ("Datum", _day(deviation.reported_at)),
            ]
        )
    return _fields(
        [
            ("Rapporterande enhet", deviation.reporting_org or ""),
            ("Berörda organisationer", affected),
            ("Kategori", category),
            ("Vad har hänt", deviation.what_happened.text),
            ("Hur upplevdes det", deviation.perceived_as.text),
            ("Förbättringsförslag", deviation.improvement_proposal.text),
            ("Namn", deviation.reporter_name.text),
            ("Titel", deviation.reporter_title.text),
            ("Datum", _day(deviation.reported_at)),
        ]
    )


def _part_two(deviation: Deviation) -> str:
    summary = _fields(
        [
            ("Lösning", text_of(deviation.solution) or ""),
            ("Kvarstående problem", text_of(deviation.remaining_problems) or ""),
            ("Sammanfattning klar", _day(deviation.summarised_at)),
        ]
    )
    signatures = (
        '<div class="sign">'
        + _signature("Underskrift, ena parten", deviation.proposed_by)
        + _signature("Underskrift, andra parten", deviation.countersigned_by)
        + "</div>"
    )
    return summary + signatures


def _status(deviation: Deviation) -> str:
    if deviation.closed_at is not None:
        return f"Avslutad i förtid {_day(deviation.closed_at)}"
    if deviation.summarised:
        return f"Båda delarna undertecknade {_day(deviation.summarised_at)}"
    if deviation.feedback_overdue_at is not None:
        return "Återkoppling försenad: inte löst inom tidsfristen"
    return "Pågår: gemensam sammanfattning saknas"


def deviation_form_html(deviation: Deviation) -> str:
    """D-8: the whole deviation, both parts (D-2), as the printable Swedish form."""
    return "".join(
        [
            "<!DOCTYPE html>",
            '<html lang="sv"><head><meta charset="utf-8">',
            f"<title>{TITLE}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{TITLE}</h1>",
            _fields(
                [
                    ("Avvikelse", str(deviation.id)),
                    ("Status", _status(deviation)),
                    ("Återkoppling till", ", ".join(deviation.feedback_to)),
                ]
            ),
            "<h2>Del 1. Rapport från enheten som uppmärksammade bristen</h2>",
            _part_one(deviation),
            "<h2>Del 2. Gemensam sammanfattning efter dialog</h2>",
            _part_two(deviation),
            "</body></html>",
        ]
    )
