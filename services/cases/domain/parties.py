"""Who sees what in cases: the object-level rules the application applies where it loads a
case, handover, plan, meeting or screening, and the unit lists it answers (OWASP API1).

Changes are refused by the aggregates themselves, from the unit that acts (a
decision by a unit that neither holds nor receives the case, K-3; a handover
step by the wrong side, K-5; a plan's step by a unit outside it, K-6; a
meeting's by a unit outside it, K-8). These are the rules for reading: a case
is read by the units that hold it or took part in a handover (K-3), and so on
for each kind of record below.

Pure domain: the actor is a plain value, the unit directory is configuration.
"""

from __future__ import annotations

from collections.abc import Callable

from contracts import UnitKind
from services.cases.domain.case import Case
from services.cases.domain.child_welfare import ChildWelfareReport
from services.cases.domain.consents import KnownConsent
from services.cases.domain.errors import AnotherMunicipality, HandoverConsentLapsed
from services.cases.domain.handover import Handover
from services.cases.domain.meetings import Meeting
from services.cases.domain.screening import Screening
from services.cases.domain.sip import Sip
from services.cases.domain.units import Unit, UnitDirectory
from services.cases.domain.violence_question import ViolenceQuestion
from services.runtime.kernel.actor import Actor, require_party


def involved(actor: Actor, case: Case) -> bool:
    """K-3: the actor's unit holds the case or took part in one of its handovers."""
    return actor.org_id in case.involved_units


def require_involved(actor: Actor, case: Case) -> None:
    """K-3: case content is read by the units that hold it or took part in a handover."""
    require_party(actor, case.involved_units, what="this case", rule="K-3")


def require_own_unit(actor: Actor, unit: str) -> None:
    """K-3: a unit reads its own notices of other units' decisions and closings."""
    require_party(actor, (unit,), what="these notices (a unit reads its own)", rule="K-3")


def require_same_municipality(units: UnitDirectory, actor: Actor, listed: Unit) -> None:
    """K-4: a unit's coming age transitions are read by its own municipality's units, the
    receiving one among them (it plans for what is coming)."""
    caller = units.get(actor.org_id)
    if caller is None or caller.municipality_code != listed.municipality_code:
        raise AnotherMunicipality("only the municipality's own units see its transitions")


def require_handover_readable(
    actor: Actor, handover: Handover, *, consent_holds: Callable[[], bool]
) -> None:
    """K-5: a handover is read by its sending and receiving units. C-8, C-9: until
    responsibility has transferred, the receiving unit reads the sending unit's
    documentation on the individual's consent alone; once it is withdrawn, narrowed or
    expired, so is the read. `consent_holds` is asked only then."""
    require_party(actor, (handover.from_unit, handover.to_unit), what="this handover", rule="K-5")
    if (
        actor.org_id == handover.to_unit
        and handover.status != "transferred"
        and not consent_holds()
    ):
        raise HandoverConsentLapsed("the individual's consent to this handover no longer holds")


def require_plan_party(actor: Actor, sip: Sip) -> None:
    """K-6: a SIP is read by the units (principals) it is made between."""
    require_party(actor, sip.units, what="this plan", rule="K-6")


def require_meeting_party(actor: Actor, meeting: Meeting) -> None:
    """K-8, K-9: a meeting is read by the units that meet."""
    require_party(actor, meeting.units, what="this meeting", rule="K-8")


def require_recorder(actor: Actor, screening: Screening) -> None:
    """D-6: a screening, and its score, are read by the organisation that recorded it."""
    require_party(actor, [screening.org_id], what="this screening", rule="D-6")


def require_question_recorder(actor: Actor, question: ViolenceQuestion) -> None:
    """K-16: the violence question's answers are read by the organisation that recorded it."""
    require_party(actor, [question.org_id], what="this record", rule="K-16")


def named_in(actor: Actor, consent: KnownConsent) -> bool:
    """C-10: of the consents cases knows of, a unit sees those that name it; being party
    to one consent about the individual shows no other."""
    return actor.org_id in consent.parties


def require_report_reader(units: UnitDirectory, actor: Actor, report: ChildWelfareReport) -> None:
    """K-10: a child-welfare report's record is read by the unit that reported and by the
    social services it went to, the municipality's IOF unit (children and youth, K-1): a
    unit the directory does not know for that municipality receives nothing here."""
    receiving = report_receiver(units, report)
    readers = [report.reporter_unit, *([receiving] if receiving else [])]
    require_party(actor, readers, what="this child-welfare report", rule="K-10")


def report_receiver(units: UnitDirectory, report: ChildWelfareReport) -> str | None:
    """K-10: the unit a child-welfare report went to, the IOF unit the directory names for
    the child's municipality now; None where it names none."""
    receiving = units.known_unit_of(report.municipality_code, UnitKind.IOF)
    return receiving.hsa_id if receiving else None
