"""Issue 23 item 8: the interactive API documents load nothing from outside the service.

Every service's ``/docs`` (Swagger UI) and ``/redoc`` page names only addresses of
its own origin, every one of which it serves without a token; the validator badge
(Swagger UI's call to a third party's validator) is off. The pages rendering with
the network cut off is shown in Chromium: tests/integration/test_api_docs_in_chromium.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.runtime.settings import RuntimeSettings
from tests.support import PageParts, service_app

pytestmark = pytest.mark.xdist_group("api-docs-offline")  # the four apps, built once

SERVICES = ("consent", "cases", "escalation", "reporting")
PAGES = ("/docs", "/redoc")


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TestClient]:
    """The four services' apps as ``serve`` builds them, not started (no broker needed)."""
    var_dir = tmp_path_factory.mktemp("docs") / "var"
    var_dir.mkdir()
    runtime = RuntimeSettings(
        kafka_bootstrap="127.0.0.1:9", environment="development", var_dir=var_dir
    )
    return {name: TestClient(service_app(name, runtime)) for name in SERVICES}


def addresses(page: str) -> list[str]:
    parser = PageParts()
    parser.feed(page)
    return parser.external


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("page", PAGES)
def test_issue23_8_docs_pages_name_no_address_off_the_service(
    clients: dict[str, TestClient], name: str, page: str
) -> None:
    answer = clients[name].get(page)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert not re.findall(r"(?:https?:)?//[\w.-]+", html), "a third-party address in " + page
    found = addresses(html)
    assert found, "the page loads no assets of its own?"
    for address in found:
        assert address.startswith("/"), address
        assert not address.startswith("//"), address


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("page", PAGES)
def test_issue23_8_every_asset_of_the_docs_is_served_without_a_token(
    clients: dict[str, TestClient], name: str, page: str
) -> None:
    client = clients[name]
    html = client.get(page).text
    scripts = [a for a in addresses(html) if a.endswith(".js")]
    assert scripts, f"{page} names no script of its own"
    for address in addresses(html):
        asset = client.get(address)  # no Authorization header
        assert asset.status_code == 200, (address, asset.status_code)
        assert asset.content, address
    assert "'/openapi.json'" in html or '"/openapi.json"' in html
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize("name", SERVICES)
def test_issue23_8_swagger_ui_sends_the_document_to_no_outside_validator(
    clients: dict[str, TestClient], name: str
) -> None:
    """The packaged bundle's default validator is a third party's; the page turns it off."""
    html = clients[name].get("/docs").text
    assert '"validatorUrl": null' in html
    bundle = next(a for a in addresses(html) if a.endswith("swagger-ui-bundle.js"))
    assert "validator.swagger.io" in clients[name].get(bundle).text  # what is turned off


def test_issue23_8_the_assets_are_in_the_installed_package() -> None:
    """``make install`` and the image install them from pyproject (no CDN, no download)."""
    from importlib import resources

    static: Any = resources.files("fastapi_offline") / "static"
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png"):
        assert (static / asset).is_file(), asset
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'"fastapi-offline>=[\d.]+,<\d+"', pyproject)
