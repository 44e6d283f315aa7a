"""Issue #20, item 5: translation as a declarative table.

A row copies the contract's fields from the domain event's attributes of the
same name and names only what differs; the contract's validation coerces.
A row that could not fill its contract fails when it is made (at import of a
service's translate.py), naming the row and the field. Dispatch is on the exact
type, with the MRO as fallback, and an event without a row has no public form.

The contracts here declare no `version`, so they are not registered as public
event types (contracts.base): the tests leave the catalogue as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts import IntegrationEvent, Purpose
from contracts.base import SubjectEvent
from services.runtime.messaging.translation import (
    TranslationTable,
    TranslationTableError,
    const,
    from_,
    row,
)

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SUBJECT = "c" * 64
PARTIES = ["SE2321000016-POL1", "SE2120000001-SOC1"]


class Shared(SubjectEvent):
    """Stands for a public event: an enum, a tuple, a UUID and an optional field."""

    shared_id: UUID
    purpose: Purpose
    parties: tuple[str, ...]
    source_id: UUID
    shared_at: datetime
    step: int
    note: str | None = None


@dataclass(frozen=True)
class Happened:
    """Stands for a domain event, with free text the public event must not carry."""

    originator_id: UUID
    subject_id: str
    purpose: str
    parties: list[str]
    source_id: str
    happened_at: datetime
    step: int
    justification: str = "free text about the individual"


@dataclass(frozen=True)
class HappenedAgain(Happened):
    """A subclass without a row of its own."""


@dataclass(frozen=True)
class Private:
    originator_id: UUID
    subject_id: str
    notes: list[str] = field(default_factory=list)


def happened(**changes: Any) -> Happened:
    values: dict[str, Any] = {
        "originator_id": uuid4(),
        "subject_id": SUBJECT,
        "purpose": "sip",
        "parties": list(PARTIES),
        "source_id": str(uuid4()),
        "happened_at": AT,
        "step": 2,
    } | changes
    return Happened(**values)


SHARED = row(Happened, Shared, shared_id=from_("originator_id"), shared_at=from_("happened_at"))


# --- a row without logic ---------------------------------------------------------------------


def test_same_named_fields_are_copied_others_come_from_the_row_and_the_contract_coerces() -> None:
    event = happened()

    public = TranslationTable(SHARED)(event)

    assert public == Shared(
        subject_id=SUBJECT,
        shared_id=event.originator_id,
        purpose=Purpose.SIP,
        parties=tuple(PARTIES),
        source_id=UUID(event.source_id),
        shared_at=AT,
        step=2,
    )
    assert isinstance(public, Shared)
    assert type(public.purpose) is Purpose  # str -> enum
    assert type(public.parties) is tuple  # list -> tuple
    assert type(public.source_id) is UUID  # str -> UUID


def test_an_attribute_the_contract_does_not_name_is_left_out() -> None:
    public = TranslationTable(SHARED)(happened())

    assert public is not None
    assert "justification" not in public.model_dump()


def test_an_optional_contract_field_without_a_source_keeps_its_default() -> None:
    public = TranslationTable(SHARED)(happened())

    assert isinstance(public, Shared)
    assert public.note is None


def test_a_constant_and_a_function_of_the_event_fill_fields() -> None:
    table = TranslationTable(
        row(
            Happened,
            Shared,
            shared_id=from_("originator_id"),
            shared_at=from_("happened_at"),
            step=const(1),
            note=lambda e: f"{len(e.parties)} parties",
        )
    )

    public = table(happened(step=7))

    assert isinstance(public, Shared)
    assert (public.step, public.note) == (1, "2 parties")


def test_a_value_the_contract_refuses_fails_as_a_validation_error() -> None:
    table = TranslationTable(SHARED)

    with pytest.raises(ValueError, match="purpose"):
        table(happened(purpose="not a purpose"))


# --- a row naming a function -------------------------------------------------------------------


def test_a_row_may_name_a_function_for_a_translation_with_logic() -> None:
    def only_sip(e: Happened) -> IntegrationEvent | None:
        return SHARED.translate(e) if e.purpose == "sip" else None

    table = TranslationTable(row(Happened, only_sip))

    assert isinstance(table(happened(purpose="sip")), Shared)
    assert table(happened(purpose="red_thread_meeting")) is None


# --- dispatch ------------------------------------------------------------------------------


def test_an_event_without_a_row_has_no_public_form() -> None:
    table = TranslationTable(SHARED)

    assert table(Private(uuid4(), SUBJECT)) is None
    assert table(object()) is None
    assert table(None) is None


def test_a_subclass_without_a_row_is_translated_by_its_nearest_base_row() -> None:
    table = TranslationTable(SHARED)
    event = HappenedAgain(**vars(happened()))

    assert isinstance(table(event), Shared)
    assert isinstance(table(event), Shared)  # remembered, and still the same answer


def test_a_subclass_with_its_own_row_uses_it() -> None:
    table = TranslationTable(SHARED, row(HappenedAgain, lambda e: None))

    assert table(HappenedAgain(**vars(happened()))) is None
    assert isinstance(table(happened()), Shared)


def test_a_base_remembered_as_private_does_not_hide_a_row_further_up_the_mro() -> None:
    class Mixin:
        pass

    @dataclass(frozen=True)
    class Both(Mixin, Happened):
        pass

    table = TranslationTable(SHARED)
    assert table(Mixin()) is None  # remembers Mixin as having no row

    assert isinstance(table(Both(**vars(happened()))), Shared)


# --- rows are checked when they are made ---------------------------------------------------


def test_a_row_reading_an_attribute_the_domain_event_lacks_fails_naming_row_and_field() -> None:
    with pytest.raises(TranslationTableError) as error:
        row(Happened, Shared, shared_id=from_("originator_id"), shared_at=from_("decided_at"))

    message = str(error.value)
    assert "Happened -> Shared" in message
    assert "'shared_at'" in message
    assert "'decided_at'" in message


def test_a_required_contract_field_left_unfilled_fails_naming_row_and_field() -> None:
    with pytest.raises(TranslationTableError) as error:
        row(Happened, Shared, shared_id=from_("originator_id"))

    message = str(error.value)
    assert "Happened -> Shared" in message
    assert "required field 'shared_at'" in message


def test_a_source_for_a_field_the_contract_does_not_have_fails() -> None:
    with pytest.raises(TranslationTableError, match=r"Happened -> Shared.*'shared_on'"):
        row(
            Happened,
            Shared,
            shared_id=from_("originator_id"),
            shared_at=from_("happened_at"),
            shared_on=from_("happened_at"),
        )


def test_a_function_row_takes_no_field_sources() -> None:
    with pytest.raises(TranslationTableError, match="function row"):
        row(Happened, SHARED.translate, shared_id=from_("originator_id"))


def test_two_rows_for_one_domain_event_fail() -> None:
    with pytest.raises(TranslationTableError, match="already has a row"):
        TranslationTable(SHARED, row(Happened, lambda e: None))


def test_a_domain_event_that_is_not_a_dataclass_fails() -> None:
    class Loose:
        originator_id: UUID

    with pytest.raises(TranslationTableError, match="not a dataclass"):
        row(Loose, Shared, shared_id=from_("originator_id"))


@pytest.mark.parametrize("service", ["consent", "cases", "escalation", "reporting"])
def test_every_service_translates_through_a_table(service: str) -> None:
    module = __import__(f"services.{service}.translate", fromlist=["to_integration_event"])

    table = module.to_integration_event
    assert isinstance(table, TranslationTable)
    assert table.rows
    assert table(object()) is None


def test_a_class_that_is_not_a_contract_fails() -> None:
    with pytest.raises(TranslationTableError, match="not a contract"):
        row(Happened, Private)
