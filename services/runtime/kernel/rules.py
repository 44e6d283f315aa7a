"""The one base class for domain errors: a broken rule, named by its ID.

It lives apart from the HTTP mapping so that a service's domain imports
nothing but this (no web framework, no I/O).
"""

from __future__ import annotations

import re
from typing import ClassVar


class RuleViolation(Exception):
    """A command broke a domain rule; base class for every service's domain errors.

    Subclasses name the rule and, if 409 Conflict is not the right answer,
    derive from the status's base class below (`CommandInvalid` 422,
    `NotAllowed` 403, `UnknownRecord` 404)::

        class OnlyBlueLightMayPull(NotAllowed):
            rule = "E-1"

        raise OnlyBlueLightMayPull("only ambulance, rescue or police may pull")

    ``rule`` may also be given per instance. The problem's ``title`` is the
    class's ``title`` or, if unset, its name in words ("Only blue light may
    pull"); the message becomes ``detail``, so write it for the caller.
    ``field`` (a dotted request path such as ``body.content.current_situation``)
    names the part of the request at fault, when the rule is about one.
    """

    rule: str = ""
    status: ClassVar[int] = 409
    title: ClassVar[str] = ""
    field: str | None = None

    def __init__(self, message: str, *, rule: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field
        if rule is not None:
            self.rule = rule
        if not self.rule:
            raise TypeError(f"{type(self).__name__} needs a rule id (e.g. 'E-3')")

    @classmethod
    def problem_title(cls) -> str:
        """The class's ``title``, or its CamelCase name spelled out as a sentence."""
        if cls.title:
            return cls.title
        words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", cls.__name__)
        sentence = " ".join(word if word.isupper() else word.lower() for word in words)
        return sentence[:1].upper() + sentence[1:]


# What a broken rule answers, by what broke it: every service's errors derive from one of
# these (or from RuleViolation itself for 409 Conflict, the record as it stands does not
# allow the command now), so that a rule states only its ID and the statuses are set here.


class CommandInvalid(RuleViolation):
    """What the command asks for does not meet the rule (a time, a list, a field): 422."""

    status = 422


class NotAllowed(RuleViolation):
    """The rule does not let the caller do this: 403."""

    status = 403


class UnknownRecord(RuleViolation):
    """What the request names is not there (a record, a meeting to export): 404."""

    status = 404


class Forbidden(NotAllowed):
    """403 under the plain title "Forbidden" rather than the rule's name: for the refusals
    a caller got from the routes before they were named rules, so the problem they see is
    the one it always was."""

    title = "Forbidden"
