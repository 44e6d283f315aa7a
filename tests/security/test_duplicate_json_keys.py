"""Attack: a request body with a duplicated JSON key (issue #18, item 9).

Parsers disagree on ``{"purpose": "sip", "purpose": "case_handover"}``: most
keep the last, some the first. A body that a gateway, a log or an audit
reads one way and the service another is a way past checks, so every route
of every service refuses it: 400, a problem naming the duplicated key.
"""

from __future__ import annotations

import re
import uuid

from services.runtime.settings import RuntimeSettings
from tests.support import HEALTH, SOCIAL, ServiceProcess, made_up_personnummer

WRITE_METHODS = ("post", "put", "patch")


def test_a_duplicated_key_in_a_consent_is_refused_naming_the_key(
    module_platform: dict[str, ServiceProcess],
) -> None:
    number = made_up_personnummer("19810101", "357")
    body = (
        f'{{"personnummer": "{number}", "purpose": "sip", '
        f'"parties": ["{SOCIAL.org_id}", "{HEALTH.org_id}"], '
        '"form": "oral", "informed": true, "purpose": "case_handover"}'
    )
    nested = f'{{"add": ["{HEALTH.org_id}"], "remove": [], "meta": {{"a": 1, "a": 2}}}}'
    with module_platform["consent"].client(SOCIAL) as client:
        response = client.post(
            "/v1/consents", content=body, headers={"content-type": "application/json"}
        )
        deeper = client.post(
            f"/v1/consents/{uuid.uuid4()}/scope",
            content=nested,
            headers={"content-type": "application/json"},
        )
        untyped = client.post("/v1/consents", content=body)  # FastAPI reads it as JSON too

    for refused in (response, deeper, untyped):
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == "body.purpose"
    assert "purpose" in problem["detail"]
    assert deeper.json()["errors"][0]["field"] == "body.meta.a"


def test_every_write_route_of_every_service_refuses_duplicated_keys(
    module_platform: dict[str, ServiceProcess], module_settings: RuntimeSettings
) -> None:
    tried = 0
    for name, service in module_platform.items():
        with service.client(SOCIAL) as client:
            document = client.get("/openapi.json").json()
            for template, operations in document["paths"].items():
                path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), template)
                for method in WRITE_METHODS:
                    if "requestBody" not in operations.get(method, {}):
                        continue
                    response = client.request(
                        method,
                        path,
                        content='{"twice": 1, "twice": 2}',
                        headers={"content-type": "application/json"},
                    )
                    assert response.status_code == 400, (name, method, template, response.text)
                    assert response.json()["errors"][0]["field"] == "body.twice"
                    tried += 1
    assert tried > 20
