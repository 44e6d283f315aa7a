"""The consent rules a command can break, each named by its rule ID (DOMAIN.md)."""

from __future__ import annotations

from datetime import timedelta

from services.runtime.kernel.rules import CommandInvalid, NotAllowed, RuleViolation, UnknownRecord


class ConsentRuleViolation(CommandInvalid):
    """A consent rule the command does not meet: 422 unless a subclass says otherwise."""


class ConsentNotDocumented(ConsentRuleViolation):
    """C-1: who gave the consent must be documented, and be someone who may give it."""

    rule = "C-1"


class IndividualNotInformed(ConsentRuleViolation):
    rule = "C-2"


class ConsentScopeInvalid(ConsentRuleViolation):
    rule = "C-3"


class ConsentNoLongerActive(RuleViolation):
    """C-4 (and C-3's end date): a withdrawn or expired consent cannot be changed or
    withdrawn again; ask the individual for a new consent."""

    rule = "C-4"


class ConsentAlreadyWithdrawn(ConsentNoLongerActive):
    pass


class EmergencyDisclosureInvalid(ConsentRuleViolation):
    rule = "C-5"


class UnbornChildDisclosureInvalid(ConsentRuleViolation):
    rule = "C-6"


class DecisionQuestionInvalid(ConsentRuleViolation):
    rule = "C-9"


class AskAgainInvalid(ConsentRuleViolation):
    """C-12: the day to ask again after a refusal, and the motivational work planned until
    then, as a refusal may carry them."""

    rule = "C-12"


class RecordNotReadable(NotAllowed):
    """C-10: a consent, refusal or disclosure is read only by the units it names and the
    unit that recorded it; being party to another record about the person is no reason."""

    rule = "C-10"
    title = "Forbidden"


class ErasureNotPermitted(NotAllowed):
    """GDPR art. 17: erasure destroys a person's data in every service for good, so it is
    the power of one configured platform unit's administrators, not of any organisation's."""

    rule = "GDPR-17"
    title = "Forbidden"


class UnknownSubject(UnknownRecord):
    """GDPR art. 17: only a person the platform has seen can be erased; erasing an unknown
    id would pre-erase whoever it later turns out to be, in every service."""

    rule = "GDPR-17"


def distinct_parties(parties: list[str], rule_error: type[ConsentRuleViolation]) -> list[str]:
    """Sharing needs at least two distinct parties; the order given is kept for display."""
    unique = list(dict.fromkeys(parties))
    if len(unique) < 2:
        raise rule_error("name at least two distinct organisation units (HSA-ids) as parties")
    return unique


def written_justification(text: str, rule_error: type[ConsentRuleViolation]) -> str:
    """C-5/C-6: sharing without consent needs a written justification (not just blanks)."""
    if not text.strip():
        raise rule_error("a written justification is required")
    return text.strip()


def bounded_window(
    valid_for: timedelta, longest: timedelta, rule_error: type[ConsentRuleViolation], what: str
) -> timedelta:
    """C-5/C-6: sharing without consent holds for a bounded time only."""
    if not timedelta(0) < valid_for <= longest:
        raise rule_error(f"{what} lasts more than 0 and at most {longest} (asked for {valid_for})")
    return valid_for
