"""Issue #18 item 6, escalation: free text is sealed at rest even when no one is named.

The attack is the database operator's (or a stolen backup's): open the escalation
store and read the acute-matter question, the ladder's reasons and the notes of an
anonymous consultation, which were kept in clear when no personnummer was given.
Each such record is sealed with a key of its own (``record:<id>``), so destroying
that key (culling the record) makes it unreadable, as erasing a subject does for
what is sealed to them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx

from services.escalation.application import EscalationApplication
from services.runtime.kernel.actor import Actor
from services.runtime.store.database import store_env
from services.runtime.store.privacy import ERASED
from tests.escalation_examples import IOF_CASEWORKER
from tests.support import AOF, AOF_DEPUTY, IOF, IOF_DEPUTY, ServiceProcess

QUESTION = "Frida Fiktiv QSEAL1 skrivs ut i dag utan boende"
REASON = "Oenighet om boendestod RSEAL2"
SUMMARY = "Skriftligt underlag WSEAL3"
NOTES = "Anonym konsultation om samsjuklighet NSEAL4"
RESOLUTION = "Lost i linjen XSEAL5"
MARKERS = ("QSEAL1", "RSEAL2", "WSEAL3", "NSEAL4", "XSEAL5")


def call(
    service: ServiceProcess, actor: Actor, method: str, path: str, body: Any = None
) -> dict[str, Any]:
    with service.client(actor) as client:
        response = client.request(method, path, json=body)
    assert response.status_code in (200, 201), (path, response.text)
    answer: dict[str, Any] = response.json()
    return answer


def stored_bytes(service: ServiceProcess) -> bytes:
    """Everything in the service's SQLite store, the write-ahead log included."""
    base = service.settings.var_dir / f"{service.service}.db"
    return b"".join(
        path.read_bytes() for path in (base, base.with_name(base.name + "-wal")) if path.exists()
    )


def test_free_text_without_a_personnummer_is_sealed_and_culled_with_its_record(
    start_service: Callable[..., ServiceProcess],
) -> None:
    escalation = start_service("escalation")
    matter = call(
        escalation,
        IOF_CASEWORKER,
        "POST",
        "/v1/acute-matters",
        {"to_org": AOF, "question": QUESTION},
    )
    ladder = call(
        escalation,
        IOF_CASEWORKER,
        "POST",
        "/v1/escalations",
        {"track": "needs", "responsible_org": IOF, "counterpart_orgs": [AOF], "reason": REASON},
    )
    call(escalation, AOF_DEPUTY, "POST", f"/v1/escalations/{ladder['id']}/agreements")
    call(
        escalation,
        IOF_DEPUTY,
        "POST",
        f"/v1/escalations/{ladder['id']}/steps",
        {
            "to_level": "unit_manager",
            "reason": REASON,
            "written_summary": SUMMARY,
            "agreed_by_orgs": [IOF, AOF],
        },
    )
    call(
        escalation,
        IOF_CASEWORKER,
        "POST",
        f"/v1/escalations/{ladder['id']}/resolution",
        {"resolution": "withdrawn", "notes": RESOLUTION},
    )
    consultation = call(
        escalation,
        IOF_DEPUTY,
        "POST",
        "/v1/consultations",
        {
            "anonymous": True,
            "consulted_orgs": [AOF],
            "outcome": "parallel_investigation",
            "notes": NOTES,
        },
    )

    # The parties read it back as written ...
    assert (
        call(escalation, AOF_DEPUTY, "GET", f"/v1/acute-matters/{matter['id']}")["question"]
        == QUESTION
    )
    steps = call(escalation, IOF_CASEWORKER, "GET", f"/v1/escalations/{ladder['id']}")["steps"]
    assert [s["reason"] for s in steps] == [REASON, REASON]
    assert steps[-1]["written_summary"] == SUMMARY
    assert (
        call(escalation, AOF_DEPUTY, "GET", f"/v1/consultations/{consultation['id']}")["notes"]
        == NOTES
    )

    # ... but the store holds none of it in clear.
    escalation.stop()
    stored = stored_bytes(escalation)
    assert stored, "no store file found"
    in_clear = [marker for marker in MARKERS if marker.encode() in stored]
    assert not in_clear, f"free text stored in clear: {in_clear}"

    # Culling a record destroys its key: what was sealed with it reads as erased.
    settings = escalation.settings
    application = EscalationApplication(
        env=store_env(settings, "escalation"), master_key=settings.resolved_master_key()
    )
    try:
        now = datetime.now(UTC)
        for record in (matter["id"], ladder["id"], consultation["id"]):
            application.erase_record(UUID(record), now)
    finally:
        application.close()
    again = start_service("escalation")
    assert call(again, AOF_DEPUTY, "GET", f"/v1/acute-matters/{matter['id']}")["question"] == (
        ERASED
    )
    after = call(again, IOF_CASEWORKER, "GET", f"/v1/escalations/{ladder['id']}")
    assert {s["reason"] for s in after["steps"]} == {ERASED}
    assert (
        call(again, AOF_DEPUTY, "GET", f"/v1/consultations/{consultation['id']}")["notes"] == ERASED
    )
    assert httpx.get(f"{again.url}/readyz").status_code == 200
