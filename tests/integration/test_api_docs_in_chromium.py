"""Issue 23 item 8: a running service's ``/docs`` renders in Chromium with the network cut off.

The consent service runs on this machine; Debian's `chromium` (installed by
`make system-deps`; this test does not skip without it) opens its ``/docs`` with
every host name but the service's own address unresolvable and every other
request sent to a closed proxy port, so a script, stylesheet or font from a CDN
cannot load. Swagger UI must still fetch ``/openapi.json`` and draw the operations;
so must ReDoc on ``/redoc``.
A page that takes Swagger UI from the CDN, opened the same way, is shown to stay
empty: the cut is real, and the rendered page owes nothing to the internet.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.openapi.docs import get_swagger_ui_html

from tests.support import InProcessService

pytestmark = pytest.mark.xdist_group("chromium")

OFFLINE = [
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=127.0.0.1:9",  # loopback itself bypasses the proxy
]


def chromium() -> str:
    found = shutil.which("chromium")
    assert found, "chromium is missing: `make system-deps` installs it (Debian package chromium)"
    return found


def dump_dom(url: str) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *OFFLINE]
    done = subprocess.run(
        [chromium(), *flags, "--virtual-time-budget=15000", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_issue23_8_docs_render_the_operations_in_chromium_with_the_network_cut_off(
    start_in_process: Callable[..., InProcessService], tmp_path: Path
) -> None:
    consent = start_in_process("consent")
    paths = set(consent.client().get("/openapi.json").json()["paths"])

    dom = dump_dom(f"{consent.url}/docs")

    assert 'class="opblock ' in dom, "Swagger UI drew no operation: " + dom[:2000]
    drawn = {html.unescape(p) for p in re.findall(r'data-path="([^"]+)"', dom)}
    assert drawn, "no operation path on the page"
    assert drawn <= paths, drawn - paths
    assert "/v1/consents/{consent_id}" in drawn
    assert "Failed to load API definition" not in dom

    # The same page taking its assets from the CDN stays blank under the same cut.
    cdn_page = get_swagger_ui_html(openapi_url=f"{consent.url}/openapi.json", title="cdn")
    (tmp_path / "cdn.html").write_bytes(cdn_page.body)
    cut = dump_dom((tmp_path / "cdn.html").as_uri())
    assert "opblock" not in cut
    assert "swagger-ui-wrap" not in cut


def test_issue23_8_redoc_renders_the_operations_in_chromium_with_the_network_cut_off(
    start_in_process: Callable[..., InProcessService],
) -> None:
    consent = start_in_process("consent")

    dom = dump_dom(f"{consent.url}/redoc")

    assert "api-content" in dom, "ReDoc drew nothing: " + dom[:2000]
    assert "/v1/consents/{consent_id}" in dom
    assert "Something went wrong" not in dom
