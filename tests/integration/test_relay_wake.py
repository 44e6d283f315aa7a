"""A save in the API process wakes the relay in another (issue #24, the split topology).

On a real PostgreSQL: the notifier's ``NOTIFY`` reaches the listener of the same
service and store, and no other; the listener also wakes once as it starts,
for whatever was saved while nobody listened.
"""

from __future__ import annotations

import asyncio
import contextlib

from services.runtime.settings import RuntimeSettings
from services.runtime.store.wake import SaveNotifier, wake_channel, wake_on_saves
from tests.support import on_store


async def _woken_after(settings: RuntimeSettings, nudge: SaveNotifier) -> int:
    """How often the cases listener woke after `nudge` was nudged (its start's wake apart)."""
    woken: asyncio.Queue[None] = asyncio.Queue()
    listening = asyncio.create_task(
        wake_on_saves(settings, "cases", lambda: woken.put_nowait(None))
    )
    try:
        await asyncio.wait_for(woken.get(), timeout=20)  # connected, listening: woken once
        nudge.nudge()
        wakes = 0
        with contextlib.suppress(TimeoutError):
            while True:  # until three quiet seconds
                await asyncio.wait_for(woken.get(), timeout=3)
                wakes += 1
        return wakes
    finally:
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        await asyncio.to_thread(nudge.close)


async def test_a_save_wakes_the_relay_of_the_same_store_in_another_process(
    runtime_settings: RuntimeSettings, pg_schema_prefix: str
) -> None:
    settings = on_store(runtime_settings, "postgres", pg_schema_prefix)
    assert await _woken_after(settings, SaveNotifier(settings, "cases")) == 1


async def test_another_service_or_store_does_not_wake_it(
    runtime_settings: RuntimeSettings, pg_schema_prefix: str
) -> None:
    settings = on_store(runtime_settings, "postgres", pg_schema_prefix)
    other_store = settings.model_copy(update={"database_schema_prefix": f"{pg_schema_prefix}x"})
    assert wake_channel(settings, "consent") != wake_channel(settings, "cases")
    assert wake_channel(other_store, "cases") != wake_channel(settings, "cases")
    assert await _woken_after(settings, SaveNotifier(settings, "consent")) == 0
    assert await _woken_after(settings, SaveNotifier(other_store, "cases")) == 0
