"""Personal data at rest: encrypted per subject, erasable by destroying one key.

Event stores never forget, and must not have to: every piece of personal
data in an event (free text, names) is sealed with a data key of the
subject it is about (AES-GCM, the subject id as associated data). The data
keys live in the service's own database, each wrapped by the master key from
the settings. Erasing a subject (GDPR art. 17, or statutory culling) destroys
their data key: the events and every count built from them stay intact, and
what was sealed reads as "[erased]" everywhere from then on
(crypto-shredding).
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.runtime.kernel.personal import ERASED as ERASED  # where older code looks for it
from services.runtime.store.sql import own_table, row_values

_PREFIX = "sealed:v1:"
_CACHE_SIZE = 10_000
_CACHE_SECONDS = 5.0
"""How long a key is trusted from memory: another replica's erasure counts here
within this time, not only where the SubjectErased message was handled."""


class SubjectKeys:
    """The per-subject data keys of one service, wrapped by its master key."""

    def __init__(self, datastore: Any, master_key: bytes) -> None:
        if len(master_key) != 32:
            msg = "the master key must be 32 bytes (64 hex characters)"
            raise ValueError(msg)
        self._datastore = datastore
        self._master = AESGCM(master_key)
        self._cache: OrderedDict[str, tuple[bytes | None, float]] = OrderedDict()
        self._erased_here: set[str] = set()
        """Subjects erased by this process: a read that fetched the key just before the
        erasure must not put it back in the cache (erasures are rare; the set stays small)."""
        self._lock = threading.Lock()
        self.erase_listeners: list[Callable[[str], None]] = []
        """Called with the subject id after each erasure: every service's erasure (on
        request, on SubjectErased, by culling) ends here, so whatever else keeps a
        trace of the subject (remembered idempotent answers) is forgotten with it."""
        spell = own_table(
            datastore,
            "subject_key",
            "CREATE TABLE IF NOT EXISTS {subject_key} (subject_id TEXT PRIMARY KEY, "
            "wrapped TEXT, created_at TEXT NOT NULL, erased_at TEXT)",
        )
        self._select = spell("SELECT wrapped FROM {subject_key} WHERE subject_id = ?")
        self._insert = spell(
            "INSERT INTO {subject_key} (subject_id, wrapped, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (subject_id) DO NOTHING"
        )
        self._erase = spell(
            "INSERT INTO {subject_key} (subject_id, wrapped, created_at, erased_at) "
            "VALUES (?, NULL, ?, ?) ON CONFLICT (subject_id) "
            "DO UPDATE SET wrapped = NULL, erased_at = excluded.erased_at"
        )

    def key(self, subject_id: str, *, create: bool) -> bytes | None:
        """The subject's data key; None once erased (or, with create=False, never made)."""
        with self._lock:
            if subject_id in self._erased_here:
                return None
            cached = self._cache.get(subject_id)
            if cached is not None and time.monotonic() - cached[1] < _CACHE_SECONDS:
                self._cache.move_to_end(subject_id)
                return cached[0]
        exists, wrapped = self._row(subject_id)
        if wrapped is not None:
            key: bytes | None = self._unwrap(subject_id, wrapped)
        elif exists:
            key = None  # erased: remembered, so nothing new is sealed for them
        elif create:
            key = self._create_key(subject_id)
        else:
            return None
        with self._lock:
            if subject_id in self._erased_here:
                return None  # erased while this read was fetching the key
            self._cache[subject_id] = (key, time.monotonic())
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return key

    def erase(self, subject_id: str, at: datetime) -> None:
        """Destroy the subject's data key: what was sealed with it is unreadable for good."""
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(self._erase, (subject_id, at.isoformat(), at.isoformat()))
        with self._lock:
            self._erased_here.add(subject_id)
            self._cache[subject_id] = (None, time.monotonic())
        for listener in self.erase_listeners:
            listener(subject_id)

    def _row(self, subject_id: str) -> tuple[bool, str | None]:
        """(a row exists, its wrapped key)."""
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(self._select, (subject_id,))
            row = cursor.fetchone()
        if row is None:
            return False, None
        (wrapped,) = row_values(row)
        return True, wrapped

    def _unwrap(self, subject_id: str, wrapped: str) -> bytes:
        blob = base64.b64decode(wrapped)
        return self._master.decrypt(blob[:12], blob[12:], subject_id.encode())

    def _create_key(self, subject_id: str) -> bytes:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        wrapped = base64.b64encode(nonce + self._master.encrypt(nonce, key, subject_id.encode()))
        with self._datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self._insert,
                (subject_id, wrapped.decode(), datetime.now(UTC).isoformat()),
            )
        # Another thread or replica may have won the insert: its key is the key.
        _, stored = self._row(subject_id)
        assert stored is not None
        return self._unwrap(subject_id, stored)


class MemoryKeys:
    """Data keys kept in memory, for an application on eventsourcing's in-memory store
    (service-layer tests): the same sealing and erasure, nothing persisted."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes | None] = {}
        self._lock = threading.Lock()
        self.erase_listeners: list[Callable[[str], None]] = []

    def key(self, subject_id: str, *, create: bool) -> bytes | None:
        with self._lock:
            if subject_id not in self._keys:
                if not create:
                    return None
                self._keys[subject_id] = AESGCM.generate_key(bit_length=256)
            return self._keys[subject_id]

    def erase(self, subject_id: str, at: datetime) -> None:
        with self._lock:
            self._keys[subject_id] = None
        for listener in self.erase_listeners:
            listener(subject_id)


def subject_keys(recorder: Any, master_key: bytes) -> SubjectKeys | MemoryKeys:
    """The keys for an application's store: in its database, or in memory when the
    store is eventsourcing's in-memory one (which has no datastore)."""
    datastore = getattr(recorder, "datastore", None)
    return MemoryKeys() if datastore is None else SubjectKeys(datastore, master_key)


class Sealer:
    """Seal and unseal one subject's personal data with that subject's key."""

    def __init__(self, keys: SubjectKeys | MemoryKeys) -> None:
        self._keys = keys

    @property
    def keys(self) -> SubjectKeys | MemoryKeys:
        return self._keys

    def seal(self, subject_id: str, text: str) -> str:
        key = self._keys.key(subject_id, create=True)
        if key is None:
            # Erased subjects get no new personal data recorded about them.
            return ERASED
        nonce = os.urandom(12)
        sealed = AESGCM(key).encrypt(nonce, text.encode(), subject_id.encode())
        return _PREFIX + base64.b64encode(nonce + sealed).decode()

    def unseal(self, subject_id: str, token: str | None) -> str | None:
        """The text, or ERASED once the subject's key is gone; plain text passes through
        (records written before sealing existed)."""
        if token is None or not token.startswith(_PREFIX):
            return token
        key = self._keys.key(subject_id, create=False)
        if key is None:
            return ERASED
        blob = base64.b64decode(token[len(_PREFIX) :])
        try:
            return AESGCM(key).decrypt(blob[:12], blob[12:], subject_id.encode()).decode()
        except InvalidTag:
            return ERASED

    def erase(self, subject_id: str, at: datetime) -> None:
        self._keys.erase(subject_id, at)
