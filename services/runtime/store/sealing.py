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
class names those fields (`legacy_personal`: ``a.b`` inside a dict, ``a[]`` each
item of a list, ``a{}`` each value of a dict); the `SealingMapper` opens them
with the key of the owner the aggregate's first event names (its
``personal_owner()``), or that the event names for one field
(``legacy_owner(path, key, declared)``, where ``declared()`` gives the owners
earlier events declared with ``personal_owners()``), so old stores read as new
ones do.

`SealsPersonalData` wires this into an application, on a database or on
eventsourcing's in-memory store (keys in memory: service-layer tests need
neither broker nor database), and is where every service erases.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
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
        self.earlier_events: Callable[[UUID, int], Sequence[StoredEvent]] | None = None
        """The aggregate's stored events before a version (set by the application)."""
        self._owners: OrderedDict[UUID, str] = OrderedDict()

    def to_domain_event_traced(self, stored_event: StoredEvent) -> tuple[Any, str | None]:
        domain_event, traceparent = super().to_domain_event_traced(stored_event)
        fields: tuple[str, ...] = getattr(type(domain_event), "legacy_personal", ())
        if fields:
            self._open_legacy(domain_event, fields)
        return domain_event, traceparent

    def _open_legacy(self, domain_event: Any, fields: tuple[str, ...]) -> None:
        # Read the aggregate's earlier events at most once per event, however many
        # fields (a minutes part per registered case) ask whose they are. A plain
        # closure, not functools.cache: making that per event cost the relay, which
        # reads every stored event, more than all the rest of this method.
        remembered: list[dict[str, str]] = []

        def declared() -> dict[str, str]:
            if not remembered:
                remembered.append(self._declared(domain_event))
            return remembered[0]

        for path in fields:
            for holder, slot, key in _slots(vars(domain_event), path):
                value = holder[slot]
                if not isinstance(value, str):
                    continue  # a Personal already, None, or not there
                owner = self._legacy_owner(domain_event, path, key, declared)
                assert self.sealer is not None
                holder[slot] = Personal(owner, self.sealer.unseal(owner, value) or "")

    def _legacy_owner(
        self,
        domain_event: Any,
        path: str,
        key: str | None,
        declared: Callable[[], dict[str, str]],
    ) -> str:
        """Whose key sealed one legacy field: as the event says (`legacy_owner`, e.g. a
        minutes part's registration), else as the aggregate's first event says."""
        resolver = getattr(domain_event, "legacy_owner", None)
        if resolver is not None:
            owner: str | None = resolver(path, key, declared)
            if owner is not None:
                return owner
        return self._owner(domain_event)

    def _declared(self, domain_event: Any) -> dict[str, str]:
        """The owners the aggregate's earlier events declare (`personal_owners`), by key."""
        declared: dict[str, str] = {}
        assert self.earlier_events is not None
        for stored in self.earlier_events(
            domain_event.originator_id, domain_event.originator_version
        ):
            earlier: Any = Mapper.to_domain_event(self, stored)
            if hasattr(earlier, "personal_owners"):
                declared.update(earlier.personal_owners())
        return declared

    def _owner(self, domain_event: Any) -> str:
        """The aggregate's owner, as its first event names it (``personal_owner()``)."""
        if hasattr(domain_event, "personal_owner"):
            owner: str = domain_event.personal_owner()
            return owner
        originator_id: UUID = domain_event.originator_id
        if originator_id in self._owners:
            self._owners.move_to_end(originator_id)
            return self._owners[originator_id]
        assert self.earlier_events is not None
        first = self.earlier_events(originator_id, 2)[:1]
        if not first:
            msg = f"no first event for {originator_id}: cannot tell whose its personal data is"
            raise LookupError(msg)
        created: Any = Mapper.to_domain_event(self, first[0])
        owner = created.personal_owner()
        self._owners[originator_id] = owner
        if len(self._owners) > _OWNERS_REMEMBERED:
            self._owners.popitem(last=False)
        return owner


def holds_legacy_text(state: dict[str, Any], paths: Sequence[str]) -> bool:
    """Whether a stored event's state (as plain JSON, before the mapper) has text where its
    class names legacy personal data (`legacy_personal`): what `SealingMapper` opens with
    a key it looks up. The relay's stored rows leave such an event to the mapper."""
    return any(
        isinstance(holder[slot], str) for path in paths for holder, slot, _ in _slots(state, path)
    )


def _slots(holder: Any, path: str) -> Iterator[tuple[Any, Any, str | None]]:
    """Where a legacy path points: (container, index or key, the dict key on the way).

    ``a.b`` is a field in a dict, ``a[]`` each item of a list, ``a{}`` each value of
    a dict (whose key is passed on: a minutes part is keyed by its registration).
    """
    parts = path.split(".")

    def walk(at: Any, depth: int, key: str | None) -> Iterator[tuple[Any, Any, str | None]]:
        part, last = parts[depth], depth == len(parts) - 1
        if not isinstance(at, dict):
            return
        if part.endswith("[]"):
            items = at.get(part[:-2])
            if isinstance(items, list):
                for index, item in enumerate(items):
                    if last:
                        yield items, index, key
                    else:
                        yield from walk(item, depth + 1, key)
        elif part.endswith("{}"):
            mapping = at.get(part[:-2])
            if isinstance(mapping, dict):
                for name in list(mapping):
                    if last:
                        yield mapping, name, str(name)
                    else:
                        yield from walk(mapping[name], depth + 1, str(name))
        elif last:
            if part in at:
                yield at, part, key
        else:
            yield from walk(at.get(part), depth + 1, key)

    yield from walk(holder, 0, None)


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

            def earlier_events(originator_id: UUID, version: int) -> Sequence[StoredEvent]:
                found: Sequence[StoredEvent] = recorder.select_events(
                    originator_id, lte=version - 1
                )
                return found

            mapper.earlier_events = earlier_events

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)  # type: ignore[misc]
        transcoder.register(self.personal_transcoding)

    def erase_personal_data(self, owner: str, at: datetime) -> None:
        """Destroy the owner's key (GDPR art. 17, culling, or `SubjectErased` from
        consent): everything sealed with it reads "[erased]" from now on; the events
        and every count built from them stay."""
        self.sealer.erase(owner, at)
