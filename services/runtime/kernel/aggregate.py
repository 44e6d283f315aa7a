"""The services' aggregate base: eventsourcing's `Aggregate` and `@event`, decided once (#24).

Why it exists: eventsourcing works out, on every call of an `@event` method, what
it could know when the class was made — it builds a bound decorator object per
attribute access, coerces and filters the arguments against the method's and the
event's signatures (twice), and applies the new event through `mutate`/`apply`,
which look the method up again and filter the event's attributes once more. For
a tracked consumer that opens an aggregate and records one event per message,
that was about a third of its apply's CPU.

This base is the library's `Aggregate` (same metaclass work, same event classes,
same topics and fields, so stored events read and write the same bytes either
way) with three shortcuts, each taken only where it is the library's behaviour
exactly:

- an `@event` method becomes a plain function that makes its event and calls the
  method's body directly (`_Recorder`), instead of the library's descriptor;
- calling the class makes its "created" event and the aggregate the same way
  (`_Creation`), instead of `MetaAggregate.__call__` → `_create` → `mutate`;
- reading, an event applies itself through the same plans (`Event.mutate`).

The argument binding is the library's own: a call whose keywords are exactly the
method's parameters (how the domain calls them) is used as given; any other
call — positional, defaults left out, a wrong name — goes through the library's
`_coerce_args_to_kwargs`, so it fills the defaults and raises the same errors.
Anything unusual is left to the library whole: explicit topics (`TOPIC`), an
event class with its own `apply` or `mutate`, an `id` in the class annotations
or in `__init__`, more than one "created" event, property setters.

Authoring stays the library's: `from services.runtime.kernel.aggregate import
Aggregate, event` (`event` is eventsourcing's own decorator), `@event("Opened")`
or `@event(Given)` on `__init__` and on the methods that change the state.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from types import FunctionType
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import Aggregate as LibraryAggregate
from eventsourcing.domain import (
    CanInitAggregate,
    CanMutateAggregate,
    CommandMethodDecorator,
    DecoratedFuncCaller,
    MetaAggregate,
    OriginatorIDError,
    OriginatorVersionError,
    _annotations_mention_id,
    _coerce_args_to_kwargs,
    _create_id_param_names,
    _created_event_classes,
    _init_mentions_id,
    decorated_func_callers,
    event,
)
from eventsourcing.utils import get_topic, resolve_topic

__all__ = ["Aggregate", "event"]

_A = TypeVar("_A", bound="Aggregate")


class _Call:
    """A method's parameters, to turn one call's arguments into its event's attributes."""

    __slots__ = ("func", "names", "positional")

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        params = list(inspect.signature(func).parameters.values())[1:]  # not self
        self.names = frozenset(p.name for p in params)
        self.positional = tuple(p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD)

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The arguments by name, as the library's `_coerce_args_to_kwargs` gives them.

        Every parameter named once is that already; anything else (a default left
        out, too many arguments, a wrong name) is the library's to fill or refuse.
        """
        given = kwargs
        if args:
            if len(args) > len(self.positional):
                return _coerce_args_to_kwargs(self.func, args, kwargs)
            given = dict(zip(self.positional, args, strict=False))
            if given.keys() & kwargs.keys():
                return _coerce_args_to_kwargs(self.func, args, kwargs)
            given.update(kwargs)
        if given.keys() == self.names:
            return given
        return _coerce_args_to_kwargs(self.func, args, kwargs)


def _defines(event_class: type, attribute: str) -> list[type]:
    return [c for c in event_class.__mro__ if attribute in c.__dict__]


def _fields(event_class: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(event_class))


def _applies_by_body(event_class: type) -> bool:
    """True when applying the event is only calling the decorated method's body.

    That is the library's `DecoratedFuncCaller.apply` with nothing else in the
    chain: no `apply` of the event's own, no `mutate` but the library's or this
    module's.
    """
    mutates = {CanMutateAggregate, Event}
    return _defines(event_class, "apply") == [DecoratedFuncCaller, CanMutateAggregate] and all(
        c in mutates for c in _defines(event_class, "mutate")
    )


def _creates_by_init(event_class: type) -> bool:
    """True when the "created" event makes its aggregate only by `__init__`."""
    mutates = {CanMutateAggregate, CanInitAggregate, Event, Created}
    return _defines(event_class, "apply") == [CanMutateAggregate] and all(
        c in mutates for c in _defines(event_class, "mutate")
    )


class _Body:
    """How an event of one class is applied: the method's body, with the event's values."""

    __slots__ = ("func", "names")

    def __init__(self, func: Callable[..., Any], event_class: type) -> None:
        self.func = func
        self.names = tuple(_Call(func).names & _fields(event_class))

    def apply(self, aggregate: Any, state: Mapping[str, Any]) -> None:
        self.func(aggregate, **{n: state[n] for n in self.names if n in state})


_bodies: dict[type, _Body] = {}
"""Each event class an `@event` method records, to the body that applies it."""

_creations: dict[type, _Creation] = {}
"""Each aggregate class this module makes itself, to how."""


class _Recorder:
    """An `@event` method's call: make the next event, apply it, keep it pending.

    What `BaseAggregate.trigger_event` and `DecoratedFuncCaller.apply` do, with
    what they look up on each call looked up once.
    """

    __slots__ = ("body", "call", "event_class", "keep")

    def __init__(
        self, decorator: CommandMethodDecorator, event_class: type[CanMutateAggregate[Any]]
    ) -> None:
        self.call = _Call(decorator.decorated_func)
        self.event_class = event_class
        fields = _fields(event_class)
        self.keep = None if self.call.names <= fields else fields
        self.body = _bodies.setdefault(event_class, _Body(decorator.decorated_func, event_class))

    def function(self) -> Callable[..., None]:
        """The method as a plain function, so an instance binds it without a descriptor."""

        def record(aggregate: Any, /, *args: Any, **kwargs: Any) -> None:
            self.record(aggregate, self.call.bind(args, kwargs))

        return functools.wraps(self.call.func)(record)

    def record(self, aggregate: Any, given: dict[str, Any]) -> None:
        event_class = self.event_class
        keep = self.keep
        # `given` is this call's own dict (its **kwargs or a copy), so it may be filled in.
        values = given if keep is None else {k: v for k, v in given.items() if k in keep}
        next_version = aggregate._version + 1
        values["originator_id"] = aggregate._id
        values["originator_version"] = next_version
        if values.get("timestamp") is None:
            values["timestamp"] = event_class.create_timestamp()
        try:
            new_event = event_class(**values)
        except TypeError as e:
            msg = f"Can't construct event {event_class}: {e}"
            raise TypeError(msg) from None
        self.body.apply(aggregate, new_event.__dict__)
        aggregate._version = next_version
        aggregate._modified_on = new_event.timestamp
        aggregate._pending_events.append(new_event)


class _Creation:
    """Calling an aggregate class: its "created" event, and the aggregate made from it.

    What `MetaAggregate.__call__`, `BaseAggregate._create` and
    `CanInitAggregate.mutate` do, decided once per class.
    """

    __slots__ = ("call", "event_class", "id_names", "init", "init_names", "topic")

    def __init__(self, cls: type[Aggregate], event_class: type[CanInitAggregate[Any]]) -> None:
        init = cls.__init__
        assert isinstance(init, FunctionType)
        self.init = init
        self.call = _Call(init)
        self.event_class = event_class
        self.topic = get_topic(cls)
        self.id_names = frozenset(_create_id_param_names[cls])
        self.init_names = tuple(self.call.names & _fields(event_class))

    def create(self, cls: type[_A], given: dict[str, Any]) -> _A:
        event_class = self.event_class
        id_names = self.id_names
        originator_id = cls.create_id(**{k: v for k, v in given.items() if k in id_names})
        if not isinstance(originator_id, (UUID, str)):
            msg = (
                f"{cls.create_id.__module__}.{cls.create_id.__qualname__}"
                f" did not return UUID or str, it returned: {originator_id!r}"
            )
            raise TypeError(msg)
        values = given  # this call's own dict, as in `_Recorder.record`
        values["originator_topic"] = self.topic
        values["originator_id"] = originator_id
        values["originator_version"] = cls.INITIAL_VERSION
        if values.get("timestamp") is None:
            values["timestamp"] = event_class.create_timestamp()
        try:
            created = event_class(**values)
        except TypeError as e:
            msg = f"Unable to construct '{event_class.__qualname__}' event: {e}"
            raise TypeError(msg) from e
        aggregate = self.make(cls, created.__dict__)
        aggregate._pending_events.append(created)
        return aggregate

    def make(self, cls: type[_A], state: Mapping[str, Any]) -> _A:
        aggregate = cls.__new__(cls)
        aggregate.__base_init__(
            originator_id=state["originator_id"],
            originator_version=state["originator_version"],
            timestamp=state["timestamp"],
        )
        self.init(aggregate, **{n: state[n] for n in self.init_names if n in state})
        return aggregate


class _AggregateType(MetaAggregate[Any]):
    """Calling an aggregate class takes its `_Creation` when it has one."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        creation = _creations.get(self)  # self: the aggregate class called
        if creation is None:
            return super().__call__(*args, **kwargs)
        return creation.create(cast("type[Aggregate]", self), creation.call.bind(args, kwargs))


class Aggregate(LibraryAggregate, metaclass=_AggregateType):
    """eventsourcing's `Aggregate`, its `@event` methods and creation decided once per class."""

    class Event(LibraryAggregate.Event):
        def mutate(self, aggregate: Any) -> Any:
            """The library's `CanMutateAggregate.mutate`, the body applied by its plan."""
            body = _bodies.get(type(self))
            if body is None:
                return super().mutate(aggregate)
            if self.originator_id != aggregate._id:
                raise OriginatorIDError(self.originator_id, aggregate._id)
            next_version = aggregate._version + 1
            if self.originator_version != next_version:
                raise OriginatorVersionError(self.originator_version, next_version)
            body.apply(aggregate, self.__dict__)
            aggregate._version = next_version
            aggregate._modified_on = self.timestamp
            return aggregate

    class Created(Event, LibraryAggregate.Created):
        def mutate(self, aggregate: Any) -> Any:
            """The library's `CanInitAggregate.mutate`, the aggregate made by its plan."""
            cls = resolve_topic(self.originator_topic)
            creation = _creations.get(cls)
            if creation is None or creation.event_class is not type(self):
                return CanInitAggregate.mutate(self, aggregate)
            assert aggregate is None
            return creation.make(cls, self.__dict__)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "TOPIC", None):
            return
        for name, value in tuple(cls.__dict__.items()):
            if not isinstance(value, CommandMethodDecorator) or value.decorated_property:
                continue
            if value.decorated_func.__name__ in ("__init__", "_"):
                continue
            event_class = decorated_func_callers.get(value)
            if (
                isinstance(event_class, type)
                and issubclass(event_class, CanMutateAggregate)
                and _applies_by_body(event_class)
            ):
                setattr(cls, name, _Recorder(value, event_class).function())
        created = _created_event_classes.get(cls, [])
        if (
            len(created) == 1
            and cls not in _annotations_mention_id
            and cls not in _init_mentions_id
            and isinstance(cls.__init__, FunctionType)
            and _creates_by_init(created[0])
        ):
            _creations[cls] = _Creation(cls, created[0])


Event = Aggregate.Event
Created = Aggregate.Created
