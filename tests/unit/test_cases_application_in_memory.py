"""The cases use cases on eventsourcing's in-memory store: no broker, no database.

Sealing is the mapper's and read models fall back to memory (#20, item 3): a
handover's content (K-5) is in clear for the domain, sealed at rest, and
"[erased]" once the individual is erased, while the handover itself stays.
"""

from __future__ import annotations

from datetime import date

from services.cases.application import CasesApplication, RequestHandover
from services.cases.domain import Need
from services.runtime.kernel.personal import ERASED, Personal, in_clear
from tests.integration.test_cases_application import (
    ADULT,
    AOF,
    AT,
    AT_IOF,
    CONTENT,
    UNITS,
    learn_consent,
    register,
)


def test_k5_a_handover_on_the_in_memory_store_sealed_at_rest_and_erasable() -> None:
    application = CasesApplication(units=UNITS)  # eventsourcing's in-memory store
    case = register(application, ADULT, date(1990, 1, 1), [Need.SUBSTANCE_MISUSE]).cases[0]
    learn_consent(application, ADULT, [case.unit, AOF])

    handover = application.request_handover(
        AT_IOF, case.id, RequestHandover(to_unit=AOF, content=CONTENT), at=AT
    )

    _, read = application.read_handover(AT_IOF, case.id, handover.id, at=AT)
    held = read.content
    assert held["current_situation"] == Personal(ADULT, CONTENT.current_situation.strip())
    stored = b"".join(
        n.state for n in application.recorder.select_notifications(start=1, limit=100)
    ).decode("utf-8", "replace")
    assert CONTENT.current_situation.strip() not in stored

    application.erase_subject(ADULT, AT)
    _, after = application.read_handover(AT_IOF, case.id, handover.id, at=AT)
    erased = in_clear(after.content)
    assert isinstance(erased, dict)
    assert erased["current_situation"] == ERASED
