"""Where an identity number enters the platform, and where it stops.

Routes call :func:`subject_id_for`; from then on only the pseudonymous
subject id exists. A bad number is the caller's error, named by field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, TypeVar

from eventsourcing.persistence import IntegrityError
from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from services.runtime.http.caller import Caller
from services.runtime.http.idempotency.claims import answering_created, note_subjects
from services.runtime.http.operations import route_template
from services.runtime.http.problems import invalid_field
from services.runtime.kernel.actor import Actor
from services.runtime.kernel.clock import Clock
from services.runtime.kernel.identity import (
    IdentityNumber,
    InvalidIdentityNumber,
    SubjectIdFactory,
    parse_personnummer,
)
from services.runtime.kernel.stockholm_time import stockholm_date
from services.runtime.store.audit import AccessAudit, AccessRecord, Action, Alongside
from services.runtime.store.changes import CONFLICT_ATTEMPTS
from services.runtime.store.held_saves import HeldSaves, holding_saves
from services.runtime.store.logged_changes import logging_with_changes

T = TypeVar("T")


@dataclass(frozen=True)
class Identified:
    """What the platform keeps of an identity number: the pseudonym, and (for rules that
    depend on age, never stored) the birth date."""

    subject_id: str
    birth_date: date


def identify(request: Request, personnummer: str, field: str = "body.personnummer") -> Identified:
    """Validate a personnummer/samordningsnummer; return its pseudonymous subject id."""
    number, factory = _parsed(request, personnummer, field)
    subject_id = factory.subject_id(number)
    note_subjects([subject_id])  # a keyed request's key is forgotten when they are erased
    return Identified(subject_id, number.birth_date)


def _parsed(
    request: Request, personnummer: str, field: str
) -> tuple[IdentityNumber, SubjectIdFactory]:
    """The valid number (as of today in Stockholm) and the app's pseudonymiser, or a 422."""
    clock: Clock = request.app.state.clock
    factory: SubjectIdFactory = request.app.state.subject_ids
    try:
        number = parse_personnummer(personnummer, today=stockholm_date(clock.now()))
    except InvalidIdentityNumber as error:
        raise invalid_field(field, str(error), rule="personnummer") from None
    return number, factory


def subject_ids_for(
    request: Request, personnummer: str, field: str = "body.personnummer"
) -> tuple[str, ...]:
    """Every subject id the individual's records may be kept under: the current one first,
    then those under keys in force before a rotation (for reads that start from the
    personnummer; services.runtime.kernel.identity)."""
    number, factory = _parsed(request, personnummer, field)
    subject_ids = factory.subject_ids(number)
    note_subjects(subject_ids)
    return subject_ids


def subject_id_for(request: Request, personnummer: str, field: str = "body.personnummer") -> str:
    """Validate a personnummer/samordningsnummer and return its pseudonymous subject id."""
    return identify(request, personnummer, field).subject_id


def subject_named(request: Request, personnummer: str | None) -> str | None:
    """The subject id of the individual a body names; None when it names no one (a matter
    of principle, an anonymous consultation, a deviation about no one)."""
    return subject_id_for(request, personnummer) if personnummer else None


PERSONAL_DATA: dict[str, Any] = {"x-personal-data": True}
"""Route marker (``openapi_extra=PERSONAL_DATA``): this route discloses personal data
and must write an access-audit record; a test holds every marked route to it."""


def log_access(
    caller: Caller,
    subject_ids: str | Iterable[str],
    *,
    purpose: str,
    action: Action = Action.READ,
    alongside: Alongside | None = None,
) -> None:
    """Write the access-audit records of this request, one per individual it discloses
    data about, in one group commit; returns once they are stored. Routes are sync
    (FastAPI runs them in a worker thread), so it blocks that thread, not the loop.
    `alongside` is written in the same transaction (services.runtime.store.audit).
    Inside `one_commit` the records go with the change's events instead; a change's
    records (`Action.CHANGED`) are written nowhere else."""
    noted = _noted.get()
    if noted is not None and alongside is None:
        noted.extend(
            _access_records(
                caller.request, caller.actor, subject_ids, purpose=purpose, action=action
            )
        )
        return
    if action is Action.CHANGED:
        msg = "a change's access records are stored with its events: run the change in one_commit"
        raise RuntimeError(msg)
    records = _record_accesses(
        caller.request,
        caller.actor,
        subject_ids,
        purpose=purpose,
        action=action,
        alongside=alongside,
    )
    for future in records:
        future.result()


def log_change(caller: Caller, subject_ids: str | Iterable[str], *, purpose: str) -> None:
    """`log_access` of a write about individuals: it is in their access log like a read
    (loggkontroll), since its answer ties an identity number to the record or shows the
    record back."""
    log_access(caller, subject_ids, purpose=purpose, action=Action.CHANGED)


_noted: ContextVar[list[AccessRecord] | None] = ContextVar("noted_access_records", default=None)
"""The access records `log_access` noted in the running `one_commit`, not written yet."""


def one_commit(caller: Caller, change: Callable[[], T]) -> T:
    """Run a route's `change` (its use case, then `log_change` or its concept's
    `disclosed`, then its answer) and store the application's saves and the access
    records the route named in ONE transaction; returns `change`'s answer once both are
    stored (services.runtime.store.held_saves). A keyed request that makes one new
    record keeps its answer in that transaction too (`_as_answered`).

    A `change` that raises stores and logs nothing. One whose saves stored no events
    has its records written on their own. A save that loses a race with a concurrent
    one (IntegrityError, found only at the commit now, after the use case returned)
    runs all of `change` again on fresh state, as the use cases' own `retrying` did
    (services.runtime.store.changes); a keyed request's claim taken over raises so too,
    and is refused as before once the attempts are spent. Nested, it is the outer's."""
    if _noted.get() is not None:
        return change()
    application = caller.request.app.state.application
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        records: list[AccessRecord] = []
        token = _noted.set(records)
        try:
            with holding_saves(application) as held:
                answer = change()
        finally:
            _noted.reset(token)
        try:
            with answering_created(partial(_as_answered, caller, answer)):
                _store_with(caller.request, held, records)
        except IntegrityError:
            if attempt == CONFLICT_ATTEMPTS:
                raise
            continue
        return answer
    raise AssertionError("unreachable: the last attempt returns or raises")


def _as_answered(caller: Caller, answer: object, _record_id: object = None) -> Response:
    """`answer` as the route will send it (status, ``Location``, the ids its body names):
    what a keyed request keeps with the events when they make one new record
    (`answering_created`), so no write of the answer follows the commit (#24). Should
    FastAPI's encoding name other ids, the middleware writes the real answer after."""
    route = caller.request.scope.get("route")
    status = caller.response.status_code or getattr(route, "status_code", None) or 200
    location = caller.response.headers.get("location")
    return JSONResponse(
        jsonable_encoder(answer),
        status_code=status,
        headers={"Location": location} if location else None,
    )


def _store_with(request: Request, held: HeldSaves, records: list[AccessRecord]) -> None:
    """The held saves with `records` in their transaction, or the records alone."""
    with logging_with_changes(records) as pending:
        held.store()
    if records and not pending.stored:
        for future in _submitted(request, records):
            future.result()


@contextmanager
def changes_logged(
    caller: Caller, subject_ids: str | Iterable[str], *, purpose: str
) -> Iterator[None]:
    """`log_change` of the change the block makes, declared before it: the records are
    stored in the transaction of the change's events (one commit for both, and neither
    kept without the other: services.runtime.store.logged_changes), or, if the block
    stored no events, on their own after it; either way before the block's caller goes
    on. A block that raises logs nothing, as a route that fails before `log_change`."""
    records = _access_records(
        caller.request, caller.actor, subject_ids, purpose=purpose, action=Action.CHANGED
    )
    with logging_with_changes(records) as pending:
        yield
    if not pending.stored:
        for future in _submitted(caller.request, records):
            future.result()


def _access_records(
    request: Request,
    actor: Actor,
    subject_ids: str | Iterable[str],
    *,
    purpose: str,
    action: Action,
) -> list[AccessRecord]:
    subjects = [subject_ids] if isinstance(subject_ids, str) else list(dict.fromkeys(subject_ids))
    note_subjects(subjects)
    at = request.app.state.clock.now()
    resource = f"{request.method} {route_template(request.scope)}"
    return [
        AccessRecord(
            at=at,
            actor_hsa_id=actor.hsa_id,
            actor_org_id=actor.org_id,
            actor_org_type=actor.org_type.value,
            subject_id=subject_id,
            action=action,
            purpose=purpose,
            resource=resource,
        )
        for subject_id in subjects
    ]


def _record_accesses(
    request: Request,
    actor: Actor,
    subject_ids: str | Iterable[str],
    *,
    purpose: str,
    action: Action,
    alongside: Alongside | None = None,
) -> list[Future[None]]:
    records = _access_records(request, actor, subject_ids, purpose=purpose, action=action)
    return _submitted(request, records, alongside)


def _submitted(
    request: Request, records: list[AccessRecord], alongside: Alongside | None = None
) -> list[Future[None]]:
    """`records` handed to the access log's writer (`alongside` with the first)."""
    audit: AccessAudit = request.app.state.access_audit
    return [
        audit.record(record, alongside if index == 0 else None)
        for index, record in enumerate(records)
    ]


def record_access(
    request: Request,
    actor: Actor,
    subject_id: str,
    *,
    purpose: str,
    alongside: Alongside | None = None,
) -> Future[None]:
    """`log_access` of one read, for an answer that awaits the record itself instead of
    blocking a thread (``asyncio.wrap_future``); it must not answer before it completes."""
    (future,) = _record_accesses(
        request, actor, subject_id, purpose=purpose, action=Action.READ, alongside=alongside
    )
    return future
