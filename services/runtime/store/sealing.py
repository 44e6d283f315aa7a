"""Sealing in the store's mapper: personal data is ciphertext at rest and clear text in
the domain, and erasure is destroying one key.

Aggregates carry personal data as `Personal(owner, text)` values
(services.runtime.kernel.personal). On the way into the store the
`PersonalTranscoding` seals each one with its owner's data key
(services.runtime.store.privacy); on the way out it opens it again, or reads
"[erased]" once the key is gone. No application, route or view seals or
unseals by hand, and the domain checks its rules on the text itself.

Events stored before this carried the sealed token (``sealed:v1:…``) or, older
still, plain text in a string field, without saying whose it is. An event
class names those fields (`legacy_personal`, dotted for a field inside a dict);
the `SealingMapper` opens them with the key of the owner the aggregate's first
event names (its ``personal_owner()``), so old stores read as new ones do.

`SealsPersonalData` wires this into an application, on a database or on
eventsourcing's in-memory store (keys in memory: service-layer tests need
neither broker nor database), and is where every service erases.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent, Transcoding

from services.runtime.kernel.personal import Personal
from services.runtime.kernel.tracing import TracingMapper
from services.runtime.store.privacy import Sealer, subject_keys

DEVELOPMENT_ONLY_MASTER_KEY = bytes(32)
"""For tests that build an application directly; services pass the configured key."""

_OWNERS_REMEMBERED = 10_000


class PersonalTranscoding(Transcoding):
    """`Personal` values sealed with their owner's key; blank text is nobody's and stays."""

    type = Personal
    name = "personal"

    def __init__(self) -> None:
        self.sealer: Sealer | None = None
        """Set once the application's store exists (the mapper is made before it)."""

    def encode(self, obj: Personal) -> dict[str, str]:
        sealed = self._sealer().seal(obj.owner, obj.text) if obj.text else obj.text
        return {"owner": obj.owner, "sealed": sealed}

    def decode(self, data: dict[str, str]) -> Personal:
        owner = data["owner"]
        return Personal(owner, self._sealer().unseal(owner, data["sealed"]) or "")

    def _sealer(self) -> Sealer:
        if self.sealer is None:
            msg = "personal data is sealed only once the application's store exists"
            raise RuntimeError(msg)
        return self.sealer


class SealingMapper(TracingMapper):
    """The tracing mapper that also opens personal data stored before `Personal` existed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sealer: Sealer | None = None
        self.first_event: Callable[[UUID], StoredEvent | None] | None = None
        self._owners: OrderedDict[UUID, str] = OrderedDict()

    def to_domain_event_traced(self, stored_event: StoredEvent) -> tuple[Any, str | None]:
        domain_event, traceparent = super().to_domain_event_traced(stored_event)
        fields: tuple[str, ...] = getattr(type(domain_event), "legacy_personal", ())
        if fields:
            self._open_legacy(domain_event, fields)
        return domain_event, traceparent

    def _open_legacy(self, domain_event: Any, fields: tuple[str, ...]) -> None:
        state = vars(domain_event)
        owner: str | None = None
        for path in fields:
            *parents, name = path.split(".")
            holder: Any = state
            for parent in parents:
                holder = holder.get(parent) if isinstance(holder, dict) else None
            if not isinstance(holder, dict) or not isinstance(holder.get(name), str):
                continue  # a Personal already, None, or not there
            owner = owner or self._owner(domain_event)
            assert self.sealer is not None
            holder[name] = Personal(owner, self.sealer.unseal(owner, holder[name]) or "")

    def _owner(self, domain_event: Any) -> str:
        """Whose key sealed the event's legacy fields: as the aggregate's first event says."""
        if hasattr(domain_event, "personal_owner"):
            owner: str = domain_event.personal_owner()
            return owner
        originator_id: UUID = domain_event.originator_id
        if originator_id in self._owners:
            self._owners.move_to_end(originator_id)
            return self._owners[originator_id]
        assert self.first_event is not None
        first = self.first_event(originator_id)
        if first is None:
            msg = f"no first event for {originator_id}: cannot tell whose its personal data is"
            raise LookupError(msg)
        created: Any = Mapper.to_domain_event(self, first)
        owner = created.personal_owner()
        self._owners[originator_id] = owner
        if len(self._owners) > _OWNERS_REMEMBERED:
            self._owners.popitem(last=False)
        return owner


class SealsPersonalData:
    """Application mixin: `Personal` values sealed by the mapper; erasure in one place.

    Put it before the eventsourcing `Application` in the bases. ``master_key``
    wraps the data keys in the service's database (ignored on the in-memory
    store, whose keys live in memory).
    """

    personal_transcoding: PersonalTranscoding
    sealer: Sealer
    mapper_class: type[Mapper[Any]] = SealingMapper

    def __init__(
        self, *args: Any, master_key: bytes = DEVELOPMENT_ONLY_MASTER_KEY, **kwargs: Any
    ) -> None:
        self.personal_transcoding = PersonalTranscoding()
        super().__init__(*args, **kwargs)
        recorder: Any = self.recorder  # type: ignore[attr-defined]
        self.sealer = Sealer(subject_keys(recorder, master_key))
        self.personal_transcoding.sealer = self.sealer
        mapper = self.mapper  # type: ignore[attr-defined]
        if isinstance(mapper, SealingMapper):
            mapper.sealer = self.sealer

            def first_event(originator_id: UUID) -> StoredEvent | None:
                found = recorder.select_events(originator_id, lte=1)
                return found[0] if found else None

            mapper.first_event = first_event

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[misc]
        transcoder.register(self.personal_transcoding)

    def erase_personal_data(self, owner: str, at: datetime) -> None:
        """Destroy the owner's key (GDPR art. 17, culling, or `SubjectErased` from
        consent): everything sealed with it reads "[erased]" from now on; the events
        and every count built from them stay."""
        self.sealer.erase(owner, at)
