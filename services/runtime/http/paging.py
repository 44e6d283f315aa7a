"""Paged lists over HTTP: the cursor a client hands back, and the link to the next page.

A list answers one page and, unless it is the last, a ``next_cursor`` in its
body and a ``Link: <…>; rel="next"`` header (RFC 8288) with the same query
and that cursor, so a client follows pages without building URLs.
"""

from __future__ import annotations

from services.runtime.http.caller import Caller
from services.runtime.http.problems import invalid_field
from services.runtime.store.paging import Cursor, NotACursor

MAX_PAGE = 200
"""The most rows one page answers (`limit`)."""


def cursor_from(text: str | None, shape: tuple[type, ...], *, rule: str) -> Cursor | None:
    """The client's `cursor` query parameter, or a 422 naming it when it is not one of ours."""
    if text is None:
        return None
    try:
        return Cursor.decode(text, shape)
    except NotACursor as error:
        raise invalid_field("query.cursor", str(error), rule=rule) from error


def next_page(caller: Caller, after: Cursor | None) -> str | None:
    """The next page's cursor, also linked from the answer's ``Link`` header; None at the end."""
    if after is None:
        return None
    cursor = after.encode()
    url = caller.request.url.include_query_params(cursor=cursor)
    caller.response.headers["Link"] = f'<{url}>; rel="next"'
    return cursor
