"""Bodies into commands, records into answers, by field name (services.runtime.http.bodies).

Routes used to copy each field by hand; now only what differs is named. These
pin what the copy may and may not do: nothing a route names itself is taken
from the body, nothing the view lacks is read from the record, and sealed text
is shown in clear only in the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from fastapi import Response
from pydantic import BaseModel, ValidationError

from services.runtime.http.bodies import ClearData, ClearText, command_from, located, view_of
from services.runtime.kernel.personal import Personal


class Body(BaseModel):
    to_org: str
    question: str
    personnummer: str | None = None
    extra: str = "only in the body"


@dataclass(frozen=True)
class Command:
    subject_id: str | None
    to_org: str
    question: str


class View(BaseModel):
    id: int
    question: ClearText
    parts: ClearData
    status: str


def test_a_command_takes_the_bodys_fields_of_its_names_and_the_route_gives_the_rest() -> None:
    body = Body(to_org="SE2120000001-IOF1", question="Hur går vi vidare?", personnummer="x")

    command = command_from(body, Command, subject_id="s1")

    assert command == Command(subject_id="s1", to_org="SE2120000001-IOF1", question=body.question)


def test_what_the_route_gives_wins_over_the_body() -> None:
    body = Body(to_org="SE2120000001-IOF1", question="fråga")

    assert command_from(body, Command, subject_id=None, to_org="given").to_org == "given"


def test_a_command_field_neither_in_the_body_nor_given_is_an_error_not_a_default() -> None:
    with pytest.raises(TypeError):
        command_from(Body(to_org="o", question="q"), Command)


def test_a_view_reads_the_record_shows_sealed_text_in_clear_and_takes_what_is_given() -> None:
    record = SimpleNamespace(
        id=7,
        question=Personal("owner", "Hur mår barnet?"),
        parts={"situation": Personal("owner", "Bor hos mormor"), "plain": "ja"},
        status="stored status",
        secret="never in the view",
    )

    view = view_of(View, record, status="as of now")

    assert view.model_dump() == {
        "id": 7,
        "question": "Hur mår barnet?",
        "parts": {"situation": "Bor hos mormor", "plain": "ja"},
        "status": "as of now",
    }


def test_a_view_field_the_record_lacks_and_nobody_gives_is_refused() -> None:
    record = SimpleNamespace(id=7, question="q", parts={})

    with pytest.raises(ValidationError, match="status"):
        view_of(View, record)


def test_located_sets_the_location_and_passes_the_answer_through() -> None:
    response = Response()
    answer = object()

    assert located(response, "/v1/things/7", answer) is answer
    assert response.headers["Location"] == "/v1/things/7"
