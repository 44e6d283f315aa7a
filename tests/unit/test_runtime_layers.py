"""Issue #20, step 2: the shared runtime is split by what it is, and each layer leans
only on those below it.

kernel (rules, clock, Swedish time, identity numbers, trace context) < store <
messaging < http < ops; ``settings`` is read by all, and ``service`` (the
assembly every composition root fills in) sits between http and ops.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[2] / "services" / "runtime"
LAYERS = {"settings": 0, "kernel": 1, "store": 2, "messaging": 3, "http": 4, "service": 5, "ops": 6}


def modules() -> list[Path]:
    return sorted(p for p in RUNTIME.rglob("*.py") if p.name != "__init__.py")


def layer_of(path: Path) -> str:
    return path.relative_to(RUNTIME).parts[0].removesuffix(".py")


def runtime_imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
    return found


def test_the_runtime_has_only_its_layers_at_the_top() -> None:
    top = {p.name.removesuffix(".py") for p in RUNTIME.iterdir() if p.name != "__init__.py"}
    top.discard("__pycache__")
    assert top == set(LAYERS)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(RUNTIME)))
def test_a_runtime_module_imports_only_layers_below_its_own_and_no_service(path: Path) -> None:
    mine = LAYERS[layer_of(path)]
    for line, module in runtime_imports(path):
        parts = module.split(".")
        assert (
            parts[:2] != ["services", "runtime"] or len(parts) < 3 or (LAYERS[parts[2]] <= mine)
        ), f"line {line}: {layer_of(path)} imports {module}, a layer above it"
        assert parts[0] != "services" or parts[1] == "runtime", (
            f"line {line}: the runtime imports a service ({module})"
        )


def test_no_runtime_module_shadows_the_standard_library_or_says_nothing() -> None:
    names = {p.name.removesuffix(".py") for p in modules()}
    assert not names & set(sys.stdlib_module_names)
    assert not names & {"edge", "common", "intake", "misc", "utils", "helpers"}
