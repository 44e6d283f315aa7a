"""Undecodable messages *inside* the producer's chain: a producer a contract version ahead.

The poison of :mod:`bench.chaos.poison` is written beside the relay: its
``ce_sequence`` is nobody's predecessor. Here consent's own relay sends the
undecodable messages, so each takes its place in its partition's chain and
the next real message names it as ``ce_prevsequence`` (#19, item 1). The
realistic causes are a producer deployed before its consumers, with a new
contract version or with a field added to a version (extra fields are
refused: strict schema). Every event of the *marked* subjects goes out
so — same ``ce_id``, ``ce_sequence``, key and payload otherwise: half the
marked subjects' events as ``….v99``, a type no consumer knows
(``unknown_event_type``), the other half with a member the schema does not
name (``undecodable``). Every consumer must dead-letter each exactly once,
record its position, and go on with the chain.

Whole subjects are marked, not single commands, so what the projections must
hold is plain whatever a consumer does with a subject's later events after a
dead letter (#19, item 9): nothing of a marked subject. The campaign picks
the subjects, writes their ids to the file named by ``CHAOS_MARKED_SUBJECTS``
before the load starts, and plays their commands only after the last broker
restart (a log loss would take their dead letters with it).

Every consent relay of the stack must translate alike — the service's own
and the relay role processes, and the campaign's ``outbox republish`` — or
a republish would send the same ``ce_sequence`` under another type.
:func:`install` puts the translator into consent's composition root; the
stack's service processes (:mod:`bench.chaos.serve`) and role processes
(:mod:`bench.chaos.role`) call it before building the service.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from contracts import IntegrationEvent
from services.runtime.messaging.relay.outgoing import Translator

MARKED_ENV = "CHAOS_MARKED_SUBJECTS"
"""Path of the file with the marked subject ids, one per line."""

AHEAD_VERSION = 99
EXTRA_MEMBER = "chaos_added_field"


def version_ahead(subject_id: str) -> bool:
    """Whether a marked subject's events go out a version ahead (else with an extra member)."""
    return int(subject_id[:2], 16) % 2 == 0


def expected_reason(subject_id: str) -> str:
    return "unknown_event_type" if version_ahead(subject_id) else "undecodable"


@cache
def _ahead(event_class: type[IntegrationEvent]) -> type[IntegrationEvent]:
    """`event_class` under a version no consumer knows. Not registered in the catalogue
    (no ``version`` in its body), so decoding it stays an unknown event type."""
    ce_type = event_class.ce_type().rsplit(".v", 1)[0] + f".v{AHEAD_VERSION}"
    ahead: type[IntegrationEvent] = type(
        f"{event_class.__name__}Ahead",
        (event_class,),
        {"ce_type": classmethod(lambda cls: ce_type), "__module__": __name__},
    )
    return ahead


@cache
def _extended(event_class: type[IntegrationEvent]) -> type[IntegrationEvent]:
    """`event_class` whose JSON carries a member its schema does not name.

    The extra member is a field of the subclass, so the model's own serializer
    writes it: the relay encodes with that serializer (contracts.cloudevents.encode),
    not through ``model_dump_json``.
    """
    extended: type[IntegrationEvent] = type(
        f"{event_class.__name__}Extended",
        (event_class,),
        {
            "__annotations__": {EXTRA_MEMBER: bool},
            EXTRA_MEMBER: True,
            "ce_type": classmethod(lambda cls: event_class.ce_type()),
            "__module__": __name__,
        },
    )
    return extended


class MarkedSubjects:
    """The marked subject ids, read once the campaign has written them."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._ids: frozenset[str] | None = None

    def __contains__(self, subject_id: object) -> bool:
        if self._ids is None:
            if not self._path.exists():
                return False  # nothing of the load is stored before the file is written
            self._ids = frozenset(self._path.read_text().split())
        return subject_id in self._ids


def poisoning(translate: Translator, marked: MarkedSubjects) -> Translator:
    """`translate`, with every public event of a marked subject a version ahead."""

    def translated(domain_event: Any) -> IntegrationEvent | None:
        event = translate(domain_event)
        subject = event.subject() if event is not None else None
        if event is None or subject is None or subject not in marked:
            return event
        variant = _ahead if version_ahead(subject) else _extended
        return variant(type(event)).model_validate(event.model_dump())

    return translated


def write_marked(path: Path, subject_ids: list[str]) -> None:
    """Atomically, so a relay never reads half a list."""
    partial = path.with_suffix(".partial")
    partial.write_text("".join(f"{s}\n" for s in subject_ids))
    partial.replace(path)


def install() -> None:
    """Give consent's composition root the poisoning translator, if the campaign asks."""
    path = os.environ.get(MARKED_ENV)
    if not path:
        return
    import services.consent.service as consent_root

    original: Translator = consent_root.to_integration_event  # type: ignore[attr-defined]
    if getattr(original, "chaos_poisoning", False):
        return
    poisoned = poisoning(original, MarkedSubjects(Path(path)))
    poisoned.chaos_poisoning = True  # type: ignore[attr-defined]
    consent_root.to_integration_event = poisoned  # type: ignore[attr-defined,assignment]


def consent_translator() -> Translator:
    """Consent's translator as the stack's relays run it (for ``outbox republish``)."""
    import services.consent.service as consent_root

    translate: Translator = consent_root.to_integration_event  # type: ignore[attr-defined]
    return translate
