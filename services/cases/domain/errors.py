"""The case rules a command can break, each named by its rule ID (DOMAIN.md).

A violation may name the request field it is about (``field``, a dotted
path such as ``body.content.current_situation``), so the problem response
can point the caller at it. A rule's answer is its base class (`CaseNotFound`,
`CaseForbidden`, `CaseConflict`; 422 Unprocessable Content otherwise), so that
each rule states only its ID and the statuses are set in one place.
"""

from __future__ import annotations

from services.runtime.kernel.rules import Forbidden, NotAllowed, RuleViolation, UnknownRecord


class CaseRuleViolation(RuleViolation):
    """A broken case rule; `field` names the part of the request at fault, if any, and
    heads the detail. 422 unless a status base class comes first."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message, rule=rule, field=field)


class CaseNotFound(UnknownRecord, CaseRuleViolation):
    """A case rule answered 404 Not Found: the object is unknown, or is not to be known."""


class CaseForbidden(NotAllowed, CaseRuleViolation):
    """A case rule answered 403 Forbidden: the actor's unit may not do this."""


class CaseConflict(CaseRuleViolation):
    """A case rule answered 409 Conflict: the object is not in a state that allows this."""

    status = 409


class UnknownCase(CaseNotFound):
    """K-3: no case by that id (an id of another kind of record looks the same)."""

    rule = "K-3"


class UnknownUnit(CaseRuleViolation):
    """A unit the service's directory does not know (K-1, K-5)."""

    rule = "K-1"


class ReportInvalid(CaseRuleViolation):
    """K-1/K-2: a report or application the routing rules cannot be applied to."""

    rule = "K-1"


class NotInvolved(CaseForbidden):
    """Staff act only on cases their own unit holds or takes part in."""

    rule = "K-3"


class AnotherMunicipality(Forbidden, CaseForbidden):
    """K-4: a unit's age transitions are read by the units of its own municipality, the
    ones that take the cases over."""

    rule = "K-4"


class CaseAlreadyClosed(CaseConflict):
    rule = "K-3"


class ReceivingUnitDecides(CaseForbidden):
    """K-4: from the birthday the unit the case was announced to decides, not the youth unit."""

    rule = "K-4"


class DecisionInvalid(CaseRuleViolation):
    rule = "K-3"


class DecisionAlreadyTold(CaseConflict):
    """K-11: the individual was told of the decision already."""

    rule = "K-11"


class AgeTransitionInvalid(CaseConflict):
    """K-4: only open child & youth cases transition; an announcement names the adult unit."""

    rule = "K-4"


class HandoverIncomplete(CaseRuleViolation):
    """K-5: a mandatory part of the handover is missing."""

    rule = "K-5"


class HandoverWithoutConsent(CaseConflict):
    """C-8: no consent for `case_handover` covering both units."""

    rule = "C-8"


class HandoverConsentLapsed(Forbidden, CaseForbidden):
    """C-9: the receiving unit reads the sending unit's documentation on the individual's
    consent alone; once it is withdrawn, narrowed or expired, so is the read."""

    rule = "C-9"


class HandoverConflict(CaseConflict):
    """K-5: the handover is not in a state that allows this step."""

    rule = "K-5"


class InterventionBeforeTransfer(CaseConflict):
    """K-5: the receiving unit may investigate, but interventions wait for the transfer."""

    rule = "K-5"


class ReasonRequired(CaseRuleViolation):
    """W-2: a handover declined or withdrawn, a plan closed early, a meeting moved or
    cancelled, a fact corrected: each says why."""

    rule = "W-2"
    field = "body.reason"


class CorrectionInvalid(CaseRuleViolation):
    """W-2: a correction names the case's individual and corrects something."""

    rule = "W-2"


class CorrectionConflict(CaseConflict):
    """K-1, K-2: a correction of what was typed does not move the case; facts that route
    the report elsewhere are a handover (K-5), or a new report."""

    rule = "K-1"


# --- the coordinated individual plan, SIP (K-6, K-7, C-7) -------------------------


class SipIncomplete(CaseRuleViolation):
    """K-6: a mandatory part of the plan is missing or names a unit outside the plan."""

    rule = "K-6"


class SipWithoutConsent(CaseConflict):
    """C-7: an adult's SIP cannot be made without the individual's consent."""

    rule = "C-7"


class SipFollowUpInvalid(CaseRuleViolation):
    """K-7: follow-ups are planned from the plan's date on, at the plan's frequency."""

    rule = "K-7"


class SipConflict(CaseConflict):
    """K-6/K-7: the plan is not in a state that allows this step."""

    rule = "K-6"


class NotInSip(CaseForbidden):
    rule = "K-6"


class SipNotFound(CaseNotFound):
    rule = "K-6"


class SipPartNotFound(SipNotFound):
    """K-7: the plan has no follow-up or version of that number (yet)."""

    rule = "K-7"


class DecisionNotFound(CaseNotFound):
    """K-3: the case has no decision of that number (yet)."""

    rule = "K-3"


class SipAlreadyClosed(CaseConflict):
    """W-2: a closed plan is not worked on any more; a new one is proposed instead."""

    rule = "W-2"
