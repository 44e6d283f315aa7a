"""Personal data sealed per subject, on real stores: erasure destroys one key and
everything sealed with it reads as erased, across restarts (crypto-shredding)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.application import Application

from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env
from services.runtime.store.privacy import ERASED, Sealer, SubjectKeys

ANNA = "a1" * 32
BERTIL = "b2" * 32
MASTER = bytes(range(32))


@pytest.fixture
def datastore(
    backend_settings: RuntimeSettings,
) -> Iterator[Any]:
    settings = backend_settings
    application = Application(env=store_env(settings, "privacy"))  # owns the datastore
    yield application.recorder.datastore  # type: ignore[attr-defined]
    application.close()


def test_sealed_text_is_unreadable_without_the_subjects_key(datastore: Any) -> None:
    sealer = Sealer(SubjectKeys(datastore, MASTER))
    token = sealer.seal(ANNA, "Akut suicidrisk, bor hos Testa Testsson")
    assert "Testsson" not in token
    assert sealer.unseal(ANNA, token) == "Akut suicidrisk, bor hos Testa Testsson"
    # Bound to its subject: another subject's key cannot open it.
    assert sealer.unseal(BERTIL, token) == ERASED


def test_erasing_a_subject_makes_their_data_read_as_erased_and_only_theirs(datastore: Any) -> None:
    sealer = Sealer(SubjectKeys(datastore, MASTER))
    anna = sealer.seal(ANNA, "Anna's story")
    bertil = sealer.seal(BERTIL, "Bertil's story")

    sealer.erase(ANNA, datetime(2026, 11, 23, tzinfo=UTC))

    assert sealer.unseal(ANNA, anna) == ERASED
    assert sealer.unseal(BERTIL, bertil) == "Bertil's story"
    assert sealer.seal(ANNA, "new text about Anna") == ERASED  # nothing new is kept


def test_keys_and_erasures_survive_a_restart(datastore: Any) -> None:
    first = Sealer(SubjectKeys(datastore, MASTER))
    kept = first.seal(BERTIL, "kept")
    gone = first.seal(ANNA, "gone")
    first.erase(ANNA, datetime(2026, 11, 23, tzinfo=UTC))

    restarted = Sealer(SubjectKeys(datastore, MASTER))

    assert restarted.unseal(BERTIL, kept) == "kept"
    assert restarted.unseal(ANNA, gone) == ERASED


def test_plain_text_from_before_sealing_passes_through(datastore: Any) -> None:
    sealer = Sealer(SubjectKeys(datastore, MASTER))
    assert sealer.unseal(ANNA, "written before sealing existed") == "written before sealing existed"
    assert sealer.unseal(ANNA, None) is None
