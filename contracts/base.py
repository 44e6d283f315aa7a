"""The base of every public event, its identifier types, and the type registry.

Naming and versioning convention: an event's `ce_type` is
`se.samverkan.<service>.<EventName>.v<version>`. The first version of an event
is a class named after the event (`ConsentGiven`, `version = 1`); a later,
incompatible version is a *new* class whose name ends in `V<version>`
(`ConsentGivenV2`, `version = 2`). The suffix is stripped from the type name,
so both classes publish as `...ConsentGiven.v1` and `...ConsentGiven.v2` and
both stay registered: old messages remain readable after the new version ships.
"""

import re
from abc import abstractmethod
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from contracts.errors import UnknownEventType
from contracts.topics import SERVICES

SUBJECT_ID_PATTERN = r"^[0-9a-f]{64}$"
"""A keyed HMAC-SHA256 of the personnummer, hex: pseudonymous, never the number itself."""

HSA_ID_PATTERN = r"^SE[0-9A-Z]{10}-[0-9A-Za-z]{1,20}$"
"""HSA-id of an organisation unit or staff member, e.g. "SE2321000016-15CQ"."""

SubjectId = Annotated[str, StringConstraints(pattern=SUBJECT_ID_PATTERN)]
HsaId = Annotated[str, StringConstraints(pattern=HSA_ID_PATTERN)]

_T = TypeVar("_T")


def _distinct(items: tuple[_T, ...]) -> tuple[_T, ...]:
    """Lists of parties are sets in meaning; a tuple keeps the JSON byte-stable."""
    if len(set(items)) != len(items):
        raise ValueError("items must be distinct")
    return items


Distinct = AfterValidator(_distinct)
"""Annotation marker: reject a tuple with repeated items."""

Parties = Annotated[
    tuple[HsaId, ...], Field(min_length=2, json_schema_extra={"uniqueItems": True}), Distinct
]
"""Organisation units a consent or disclosure names: sharing needs at least two (C-3, C-5)."""

OrgIds = Annotated[
    tuple[HsaId, ...], Field(min_length=1, json_schema_extra={"uniqueItems": True}), Distinct
]
"""Organisation units an event concerns: at least one."""


_EVENT_NAME = re.compile(r"[A-Z][A-Za-z0-9]*")
_VERSION_SUFFIX = re.compile(r"V[0-9]+$")


def event_name(class_name: str, version: int) -> str:
    """The event name in `ce_type`: the class name without its `V<version>` suffix.

    A suffix that disagrees with `version` is a mistake worth failing loudly on
    (`ConsentGivenV2` declaring version 3 would publish under a confusing name).
    """
    name = class_name.removesuffix(f"V{version}")
    if _VERSION_SUFFIX.search(name) or not _EVENT_NAME.fullmatch(name):
        raise TypeError(f"event class {class_name!r} does not fit version {version}")
    return name


_registry: dict[str, type["IntegrationEvent"]] = {}

EVENT_TYPES: Mapping[str, type["IntegrationEvent"]] = MappingProxyType(_registry)
"""ce_type -> event class, for every published event and version."""


def event_class(ce_type: str) -> type["IntegrationEvent"]:
    """The model for `ce_type`; raises UnknownEventType for anything else."""
    try:
        return _registry[ce_type]
    except KeyError:
        raise UnknownEventType(f"unknown event type {ce_type[:200]!r}") from None


class IntegrationEvent(BaseModel):
    """A fact one service publishes for others and for partner systems.

    Frozen because a published fact never changes; `extra="forbid"` because a
    field the contract does not name could carry personal data. The price is
    that *any* payload change, even an added optional field, is a new version.

    A concrete event declares `version` in its own class body; that is what
    registers it. `service` it declares or inherits from its module's
    intermediate base (one per producing service), which never declares `version`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    service: ClassVar[str]
    version: ClassVar[int]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "version" not in cls.__dict__:
            return
        if getattr(cls, "service", None) not in SERVICES:
            raise TypeError(f"{cls.__name__}.service must be one of {SERVICES}")
        ce_type = cls.ce_type()
        if ce_type in _registry:
            raise TypeError(f"{ce_type} is already defined by {_registry[ce_type].__name__}")
        _registry[ce_type] = cls

    @classmethod
    def ce_type(cls) -> str:
        """`se.samverkan.<service>.<EventName>.v<version>` (see the module docstring)."""
        return f"se.samverkan.{cls.service}.{event_name(cls.__name__, cls.version)}.v{cls.version}"

    @classmethod
    def ce_source(cls) -> str:
        """The CloudEvents source: the producing service."""
        return f"/samverkan/{cls.service}"

    @abstractmethod
    def subject(self) -> str | None:
        """The pseudonymous subject id, or None when the event concerns no one individual."""

    @abstractmethod
    def partition_key(self) -> str:
        """The Kafka key: the subject id, so one individual's events stay in order."""


class SubjectEvent(IntegrationEvent):
    """An event about one individual, keyed by the subject's pseudonymous id."""

    subject_id: SubjectId
    """Pseudonymous id of the individual (keyed HMAC of the personnummer)."""

    def subject(self) -> str:
        return self.subject_id

    def partition_key(self) -> str:
        return self.subject_id
