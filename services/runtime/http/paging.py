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


def cursor_from(
    text: str | None, shape: tuple[type, ...], *, rule: str, field: str = "query.cursor"
) -> Cursor | None:
    """The client's cursor, or a 422 naming its `field` when it is not one of ours."""
    if text is None:
        return None
    try:
        return Cursor.decode(text, shape)
    except NotACursor as error:
        raise invalid_field(field, str(error), rule=rule) from error


def next_page(caller: Caller, after: Cursor | None, *, link: bool = True) -> str | None:
    """The next page's cursor, None at the end; for a GET (`link`) also the ``Link`` header
    to the next page (a POST's next page is asked with the cursor in its body)."""
    if after is None:
        return None
    cursor = after.encode()
    if link:
        url = caller.request.url.include_query_params(cursor=cursor)
        caller.response.headers["Link"] = f'<{url}>; rel="next"'
    return cursor
