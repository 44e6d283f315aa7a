"""E-10 over HTTP, with the clock in the test's hand: the red-thread meeting records its
actions (who, what, by when), the follow-up goes through each; what breaks the rule is
a problem naming the field and E-10; the topic carries ids, orgs, dates and statuses,
never what an action is."""

from __future__ import annotations

from datetime import timedelta

from services.runtime.messaging.embedded_broker import EmbeddedBroker
from services.runtime.settings import RuntimeSettings
from tests.escalation_examples import PARTIES, agreed_actions, all_done
from tests.integration.test_escalation_plans_change import (
    MEETING_AT,
    call,
    clock,  # noqa: F401  (a fixture)
    convened,
    ok,
    problem,
    published,
    services,  # noqa: F401  (a fixture)
)
from tests.support import AOF, COORDINATOR, HEALTH, SOCIAL, InProcessService, MovableClock


def test_e10_actions_are_recorded_with_the_meeting_and_gone_through_at_the_follow_up(
    services: dict[str, InProcessService],  # noqa: F811
    clock: MovableClock,  # noqa: F811
    runtime_settings: RuntimeSettings,
    kafka: EmbeddedBroker,
) -> None:
    escalation = services["escalation"]
    path = convened(services)
    clock.advance(MEETING_AT + timedelta(hours=2) - clock.now())
    held = f"{path}/meeting/held"
    solutions = {"attended_orgs": PARTIES, "outcome": "solutions_agreed"}

    none = problem(call(escalation, COORDINATOR, "POST", held, solutions), 422, "E-10")
    assert "actions" in none["detail"]
    stranger = agreed_actions(AOF, MEETING_AT)  # adult care: not summoned
    unsummoned = call(escalation, COORDINATOR, "POST", held, solutions | {"actions": stranger})
    assert "actions[0].responsible_org" in problem(unsummoned, 422, "E-10")["detail"]
    same_day = [{**agreed_actions(SOCIAL.org_id, MEETING_AT)[0], "due_on": str(MEETING_AT.date())}]
    too_soon = call(escalation, COORDINATOR, "POST", held, solutions | {"actions": same_day})
    assert "actions[0].due_on" in problem(too_soon, 422, "E-10")["detail"]

    actions = agreed_actions(SOCIAL.org_id, MEETING_AT)
    thread = ok(call(escalation, COORDINATOR, "POST", held, solutions | {"actions": actions}))
    (action,) = thread["actions"]
    assert (action["responsible_org"], action["what"], action["status"]) == (
        SOCIAL.org_id,
        "Boendestöd.",
        None,
    )
    follow_up_at = MEETING_AT + timedelta(days=14)
    ok(
        call(
            escalation,
            COORDINATOR,
            "POST",
            f"{path}/follow-up",
            {"follow_up_at": follow_up_at.isoformat()},
        )
    )
    clock.advance(follow_up_at + timedelta(hours=1) - clock.now())
    evaluation = f"{path}/follow-up/evaluation"
    improved = {"attended_orgs": PARTIES, "result": "improved"}

    missing = problem(call(escalation, COORDINATOR, "POST", evaluation, improved), 422, "E-10")
    assert action["id"] in missing["detail"]
    partly = [{"action_id": action["id"], "status": "partly_done"}]
    evaluated = ok(
        call(escalation, COORDINATOR, "POST", evaluation, improved | {"actions": partly})
    )
    assert evaluated["actions"][0]["status"] == "partly_done"
    assert all_done(evaluated) == [{"action_id": action["id"], "status": "done"}]

    events = published(kafka, runtime_settings, "RedThreadActionAgreed", "RedThreadActionEvaluated")
    by_name = {type(e).__name__: e.model_dump(mode="json") for e in events}
    assert by_name["RedThreadActionAgreed"]["action_id"] == action["id"]
    assert by_name["RedThreadActionAgreed"]["responsible_org"] == SOCIAL.org_id
    assert by_name["RedThreadActionEvaluated"]["status"] == "partly_done"
    assert "Boendest" not in str(by_name)
    assert call(escalation, HEALTH, "GET", path).json()["actions"][0]["what"] == "Boendestöd."
