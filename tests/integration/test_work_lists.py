"""The work list over HTTP (W-1, W-3): found from the list, read back where it points, paged
by an opaque cursor; a bad query is a 422 naming the field and the rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.escalation.service import Settings as EscalationSettings
from tests.escalation_examples import red_thread_pull
from tests.support import COORDINATOR, POLICE, InProcessService, call, made_up_personnummer


@pytest.fixture
def escalation(start_in_process: Callable[..., InProcessService]) -> InProcessService:
    return start_in_process("escalation", EscalationSettings())


def pulled(escalation: InProcessService, serial: str) -> str:
    body = red_thread_pull(made_up_personnummer("19900101", serial))
    response = call(escalation, POLICE, "POST", "/v1/red-threads", json=body)
    assert response.status_code == 201, response.text
    red_thread_id: str = response.json()["id"]
    return red_thread_id


def work_items(escalation: InProcessService, query: str = "") -> Any:
    return call(escalation, COORDINATOR, "GET", f"/v1/work-items{query}")


def test_w1_w3_the_coordinator_finds_the_pulled_thread_and_reads_it_where_it_points(
    escalation: InProcessService,
) -> None:
    red_thread_id = pulled(escalation, "123")

    answer = work_items(escalation)

    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    assert (item["item_id"], item["kind"], item["state"]) == (
        red_thread_id,
        "red_thread_meeting",
        "new",
    )
    assert (item["rule"], item["role"], item["addressed_to"]) == (
        "E-3",
        "coordinator",
        "municipality:0180",
    )
    assert answer.json()["next_cursor"] is None
    read = call(escalation, COORDINATOR, "GET", item["href"])
    assert read.status_code == 200, read.text
    assert read.json()["id"] == red_thread_id


def test_w1_pages_follow_the_link_header_and_list_every_item_once(
    escalation: InProcessService,
) -> None:
    pulled_ids = {pulled(escalation, serial) for serial in ("123", "234", "345")}

    first = work_items(escalation, "?limit=2")
    assert first.status_code == 200, first.text
    link = first.headers["link"]
    assert link.endswith('>; rel="next"')
    next_url = link.removeprefix("<").split(">")[0]
    assert f"cursor={first.json()['next_cursor']}" in next_url
    second = call(escalation, COORDINATOR, "GET", next_url)

    ids = [i["item_id"] for page in (first, second) for i in page.json()["items"]]
    assert sorted(ids) == sorted(pulled_ids)
    assert second.json()["next_cursor"] is None
    assert "link" not in second.headers


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?cursor=bm90LWEtY3Vyc29y", "query.cursor"),
        ("?kind=red_thread_meeting&kind=handover", "query.kind"),
        ("?limit=0", "query.limit"),
        ("?limit=201", "query.limit"),
    ],
)
def test_w1_a_bad_query_is_a_422_naming_the_field(
    escalation: InProcessService, query: str, field: str
) -> None:
    answer = work_items(escalation, query)

    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]
