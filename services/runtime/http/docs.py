"""The interactive API documents, ``/docs`` (Swagger UI) and ``/redoc``, served offline.

FastAPI's own pages load their scripts and styles from a public CDN and a favicon
from a third-party site: on a regional network without internet access the page
is blank, and on one with it every staff browser that opens it calls a third
party. Here the same pages take every asset from the service itself, out of a
packaged Swagger UI and ReDoc distribution (the ``fastapi-offline`` package's
files), mounted under ``/docs/assets``. Swagger UI's validator badge, which sends
the document to an outside validator, is off; ReDoc loads no web fonts.

Like the pages and ``/openapi.json``, the assets need no token and reveal no
personal data. One place for all four services: ``api_app`` makes their app.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

__all__ = ["ASSETS", "api_app", "install_docs"]

ASSETS = "/docs/assets"
"""Where the Swagger UI and ReDoc files are served (same origin as the pages)."""

SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None}
"""No validator badge: it would send the document to a third party's validator."""


def api_app(
    *, title: str, description: str, lifespan: Callable[[FastAPI], AbstractAsyncContextManager[Any]]
) -> FastAPI:
    """A service's FastAPI app whose documents pages fetch nothing from elsewhere."""
    app = FastAPI(
        title=title, description=description, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    install_docs(app)
    return app


def install_docs(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Serve the packaged assets under ``ASSETS`` and the two pages that use them."""
    static = resources.files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(static)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            with_google_fonts=False,
        )

    # Plain routes, as FastAPI adds its own documents pages: not operations of the API.
    app.add_route(docs_url, swagger_ui, include_in_schema=False)
    app.add_route(redoc_url, redoc, include_in_schema=False)
