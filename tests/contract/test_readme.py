"""The README is documentation users rely on: its generated parts stay current."""

from __future__ import annotations

from services.runtime.ops.config_docs import check_readme
from tests.support import ROOT


def test_readme_configuration_table_matches_the_settings_classes() -> None:
    assert check_readme(ROOT / "README.md"), (
        "README.md's settings table is stale: run "
        "`python -m services.runtime.ops.config_docs --write README.md`"
    )


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme
