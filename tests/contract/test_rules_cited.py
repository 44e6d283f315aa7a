"""Every rule the project implements is proved by a test that names it.

docs/domain.md lists the rules with their IDs (C-, K-, E-, D-, W-); a test cites
the rule it proves in its name (``test_k14_…``) or its text (``K-14``). A rule
added to the brief with no test naming it fails here, before anyone has to
search for it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULE = re.compile(r"\*\*([CKEDW])-(\d+)\b")


def rule_ids() -> set[str]:
    text = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    return {f"{letter}-{number}" for letter, number in RULE.findall(text)}


def cited(rule: str, tests: str) -> bool:
    letter, number = rule.split("-")
    by_text = re.search(rf"\b{letter}-{number}\b", tests)
    by_name = re.search(rf"\bdef test_(?:\w+_)?{letter.lower()}{number}_", tests)
    return bool(by_text or by_name)


def test_the_brief_lists_the_rules_of_both_readings() -> None:
    rules = rule_ids()
    assert {"C-1", "K-17", "E-13", "D-9", "W-3"} <= rules
    assert len(rules) >= 50


def test_every_rule_id_is_cited_by_a_test() -> None:
    this = Path(__file__).resolve()
    tests = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (ROOT / "tests").rglob("test_*.py")
        if path.resolve() != this
    )
    uncited = sorted(rule for rule in rule_ids() if not cited(rule, tests))
    assert uncited == [], f"rules no test names: {uncited}"
