"""Consent's domain events in their public form (contracts).

The emergency disclosure's justification is free text about the individual,
so it is deliberately left out of `EmergencyDisclosureRecorded`.

A table (services.runtime.messaging.translation): each row names only the
fields that differ from the domain event's; the rest are copied by name and
coerced (str to enum, list to tuple) by the contract's validation.
"""

from __future__ import annotations

from contracts import (
    ConsentExpired,
    ConsentGiven,
    ConsentRefused,
    ConsentScopeChanged,
    ConsentWithdrawn,
    EmergencyDisclosureExpired,
    EmergencyDisclosureRecorded,
    SubjectErasedV2,
    UnbornChildDisclosureRecorded,
)
from services.consent.domain import (
    Consent,
    ConsentRefusal,
    EmergencyDisclosure,
    SubjectErasure,
    UnbornChildDisclosure,
)
from services.runtime.messaging.translation import TranslationTable, from_, row

to_integration_event = TranslationTable(
    row(Consent.Given, ConsentGiven, consent_id=from_("originator_id")),
    row(Consent.Withdrawn, ConsentWithdrawn, consent_id=from_("originator_id")),
    row(Consent.ScopeChanged, ConsentScopeChanged, consent_id=from_("originator_id")),
    row(Consent.Expired, ConsentExpired, consent_id=from_("originator_id")),
    row(ConsentRefusal.Refused, ConsentRefused, refusal_id=from_("originator_id")),
    row(
        EmergencyDisclosure.Decided,
        EmergencyDisclosureRecorded,
        disclosure_id=from_("originator_id"),
    ),
    row(
        EmergencyDisclosure.Expired,
        EmergencyDisclosureExpired,
        disclosure_id=from_("originator_id"),
    ),
    row(
        UnbornChildDisclosure.Decided,
        UnbornChildDisclosureRecorded,
        disclosure_id=from_("originator_id"),
    ),
    # Version 2 for every erasure: partners need the reason (see `SubjectErasedV2`).
    row(SubjectErasure.Erased, SubjectErasedV2, erasure_id=from_("originator_id")),
)
"""Domain events without a row have no public form and are not published."""
