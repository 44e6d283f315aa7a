"""The configuration reference: every environment variable, generated from the settings classes.

The field descriptions in the settings classes are the documentation; this
module renders them as the Markdown table that sits in README.md between
``<!-- settings:start -->`` and ``<!-- settings:end -->``, so the README cannot
drift from the code::

    python -m services.runtime.ops.config_docs                    # print the table
    python -m services.runtime.ops.config_docs --check README.md  # exit 1 when stale
    python -m services.runtime.ops.config_docs --write README.md  # refresh the block

A field without a description, or two classes claiming the same variable, is
an error rather than a quiet gap in the table.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic import SecretStr
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from contracts import SERVICES
from services.runtime.ops.roles import RoleSettings
from services.runtime.ops.run import RunSettings
from services.runtime.service import load_service
from services.runtime.settings import RuntimeSettings

START_MARKER = "<!-- settings:start -->"
END_MARKER = "<!-- settings:end -->"


@dataclass(frozen=True, slots=True)
class Setting:
    """One environment variable: one field of one settings class."""

    variable: str
    default: str
    description: str
    owner: type[BaseSettings]
    field: str


def settings_classes() -> list[type[BaseSettings]]:
    """Every settings class, shared ones first, then each service's in catalogue order.

    A service whose composition root cannot be loaded is an error: a table
    without it would silently document less than what runs.
    """
    classes: list[type[BaseSettings]] = [RuntimeSettings, RunSettings, RoleSettings]
    for service in SERVICES:
        settings_class = getattr(load_service(service), "Settings", None)
        if not (isinstance(settings_class, type) and issubclass(settings_class, BaseSettings)):
            msg = f"services.{service}.service has no pydantic-settings class named Settings"
            raise TypeError(msg)
        classes.append(settings_class)
    return classes


def env_name(settings_class: type[BaseSettings], field: str) -> str:
    """The environment variable pydantic-settings reads for ``field``."""
    prefix = settings_class.model_config.get("env_prefix") or ""
    return f"{prefix}{field}".upper()


def settings() -> list[Setting]:
    """Every environment variable of every settings class, in table order."""
    rows: list[Setting] = []
    seen: dict[str, type[BaseSettings]] = {}
    for settings_class in settings_classes():
        for field, info in settings_class.model_fields.items():
            variable = env_name(settings_class, field)
            if variable in seen:
                msg = (
                    f"{variable} is read by both {seen[variable].__qualname__} and "
                    f"{settings_class.__qualname__}"
                )
                raise ValueError(msg)
            seen[variable] = settings_class
            if not info.description:
                msg = f"{settings_class.__qualname__}.{field} has no Field(description=...)"
                raise ValueError(msg)
            if info.alias or info.validation_alias:
                # pydantic-settings would read the alias, not prefix + name.
                msg = f"{settings_class.__qualname__}.{field}: aliases are not documented here"
                raise ValueError(msg)
            default = info.get_default(call_default_factory=True, validated_data={})
            rows.append(
                Setting(
                    variable=variable,
                    default=_render_default(default),
                    description=" ".join(info.description.split()),
                    owner=settings_class,
                    field=field,
                )
            )
    return rows


def _render_default(value: object) -> str:
    if value is PydanticUndefined:
        return "**required**"
    if value is None or isinstance(value, SecretStr):
        # A secret's default is never printed, even if one is ever given.
        return "unset"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Enum):
        text = str(value.value)
    else:
        text = str(value)
    if text == "":
        return '`""` (empty)'
    return f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def settings_table() -> str:
    """The Markdown table (Variable | Default | Description) of every environment variable."""
    lines = ["| Variable | Default | Description |", "| --- | --- | --- |"]
    lines += [
        f"| `{row.variable}` | {_cell(row.default)} | {_cell(row.description)} |"
        for row in settings()
    ]
    return "\n".join(lines) + "\n"


def _split(text: str) -> tuple[str, str, str] | None:
    """README text as (before and start marker, block, end marker and after)."""
    start = text.find(START_MARKER)
    if start < 0:
        return None
    body = start + len(START_MARKER)
    end = text.find(END_MARKER, body)
    if end < 0:
        return None
    return text[:body], text[body:end], text[end:]


def check_readme(path: str | Path) -> bool:
    """Whether the README's settings block holds exactly the current table.

    Missing markers count as not current.
    """
    parts = _split(Path(path).read_text(encoding="utf-8"))
    if parts is None:
        return False
    return parts[1].strip() == settings_table().strip()


def update_readme(path: str | Path) -> bool:
    """Replace the README's settings block with the current table; True if it changed."""
    readme = Path(path)
    text = readme.read_text(encoding="utf-8")
    parts = _split(text)
    if parts is None:
        msg = f"{readme} has no {START_MARKER} … {END_MARKER} block"
        raise ValueError(msg)
    updated = f"{parts[0]}\n{settings_table()}{parts[2]}"
    if updated == text:
        return False
    readme.write_text(updated, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.runtime.ops.config_docs",
        description="Print the table of environment variables, or check/refresh README.md.",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", metavar="README", help="exit 1 if the README block is stale")
    group.add_argument("--write", metavar="README", help="rewrite the README block in place")
    args = parser.parse_args(argv)
    if args.check:
        if check_readme(args.check):
            return 0
        print(
            f"{args.check}: settings table is stale; run "
            f"python -m services.runtime.ops.config_docs --write {args.check}",
            file=sys.stderr,
        )
        return 1
    if args.write:
        update_readme(args.write)
        return 0
    sys.stdout.write(settings_table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
