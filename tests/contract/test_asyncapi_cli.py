"""contracts/asyncapi.yaml and asyncapi-partner.yaml pass the AsyncAPI project's own validator
(@asyncapi/cli).

test_generated.py proves the documents are what contracts/ generates; this proves
that partners' tooling accepts them, the partner document's references into
asyncapi.yaml included. The test needs no network.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from contracts.generate import ASYNCAPI_FILE, PARTNER_ASYNCAPI_FILE
from tests import asyncapi_cli


def validate(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return asyncapi_cli.run(["validate", str(path), "--fail-severity", "warn"], tmp_path)


@pytest.mark.parametrize("document", [ASYNCAPI_FILE, PARTNER_ASYNCAPI_FILE], ids=lambda p: p.name)
def test_asyncapi_document_is_valid(document: Path, tmp_path: Path) -> None:
    result = validate(document, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout + result.stderr


def test_the_validator_rejects_a_broken_document(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(ASYNCAPI_FILE.read_text().replace("channels:", "chanels:", 1))
    result = validate(broken, tmp_path)
    assert result.returncode != 0, result.stdout + result.stderr


def test_the_validator_follows_the_partner_documents_references(tmp_path: Path) -> None:
    """A receive operation naming a message its (referenced) channel lacks is refused."""
    shutil.copy(ASYNCAPI_FILE, tmp_path / ASYNCAPI_FILE.name)
    broken = tmp_path / PARTNER_ASYNCAPI_FILE.name
    broken.write_text(
        PARTNER_ASYNCAPI_FILE.read_text().replace(
            "consent/messages/se.samverkan.consent.ConsentGiven.v1",
            "consent/messages/se.samverkan.cases.CaseOpened.v1",
            1,
        )
    )
    result = validate(broken, tmp_path)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "se.samverkan.cases.CaseOpened.v1" in result.stdout + result.stderr
