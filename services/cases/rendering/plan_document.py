"""The person's own plan (K-13, seed 001: the plan is "läsbar på 1177.se"): one version of
the SIP as a document in Swedish, in plain words, for the person to read and keep.

Plain HTML that prints and that a 1177/Mina planer integration can show as it is; every
text from the plan is escaped. Units are named by their principal and HSA-id: the cases
service knows no unit names.
"""

from __future__ import annotations

from datetime import date
from html import escape

from services.cases.domain.principals import Principal, principal_of
from services.cases.domain.sip import Sip
from services.cases.domain.sip_plan import PlanVersion
from services.runtime.kernel.personal import in_clear
from services.runtime.kernel.stockholm_time import stockholm_date

MONTHS = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
]

PRINCIPAL = {Principal.REGION: "Regionen", Principal.MUNICIPALITY: "Kommunen"}

NOT_GIVEN = "Inte ifyllt."
"""A plan made before K-13 has no words of the person's own."""


def swedish_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def unit_name(hsa_id: str) -> str:
    principal = principal_of(hsa_id)
    who = PRINCIPAL[principal] if principal else "Verksamhet"
    return f"{who} ({hsa_id})"


def _text(plan: dict[str, object], part: str) -> str:
    value = plan.get(part)
    text = value if isinstance(value, str) and value.strip() else NOT_GIVEN
    return "".join(f"<p>{escape(line)}</p>" for line in text.splitlines() if line.strip())


def plan_document(sip: Sip, version: PlanVersion) -> str:
    """K-13: the plan `version` of `sip` as the person reads it (Swedish HTML)."""
    plan = in_clear(version.plan)
    assert isinstance(plan, dict)
    who_does_what = "".join(
        f"<li><strong>{escape(unit_name(str(r['unit'])))}</strong>: "
        f"{escape(str(r['interventions']))}</li>"
        for r in plan.get("responsibilities", [])
    )
    coordinator = sip.coordinator or str(plan.get("follow_up_by", ""))
    next_follow_up = (
        swedish_date(sip.next_follow_up_on) if sip.next_follow_up_on else "Inte bestämt ännu."
    )
    sections = [
        ("Det här är viktigt för mig", _text(plan, "what_matters")),
        ("Mina mål", _text(plan, "own_goals")),
        ("Det här behöver jag stöd med", _text(plan, "problem")),
        ("Det här ska hända nu", _text(plan, "short_term_goals_and_interventions")),
        ("Det här ska hända på längre sikt", _text(plan, "long_term_goals_and_interventions")),
        ("Vem gör vad", f"<ul>{who_does_what}</ul>"),
        ("Andra som hjälper till", _text(plan, "measures_by_others")),
        (
            "Vem som håller ihop min plan",
            f"<p>Huvudansvaret har {escape(unit_name(str(plan['overall_responsibility'])))}."
            f"</p><p>Samordnare, som följer upp planen: {escape(coordinator)}.</p>",
        ),
        ("Nästa uppföljning", f"<p>{escape(next_follow_up)}</p>"),
    ]
    body = "".join(f"<h2>{title}</h2>{content}" for title, content in sections)
    made = swedish_date(stockholm_date(version.made_at))
    return (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        "<title>Min plan</title></head><body><h1>Min plan</h1>"
        f"<p>Samordnad individuell plan (SIP), version {version.number}, gjord {made}. "
        "Planen är din. Den är gjord tillsammans med regionen och kommunen.</p>"
        f"{body}</body></html>"
    )
