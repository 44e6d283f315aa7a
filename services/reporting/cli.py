"""Export the de-identified annual report (D-5) from the command line.

Reads the reporting service's own store (the same SAMVERKAN_* settings as the
service), so the working group can produce the report without going through the
HTTP API. Part of the operator CLI as samverkan report (entry point
samverkan.commands), or on its own:

    samverkan report export 2026 --format html --output brister-2026.html
    samverkan report export 2026 --area SE2321000016 --format csv
    python -m services.reporting.cli 2026 --format json

The report goes to stdout unless --output is given. A store that is not where
the settings point is exit 2, not an empty report.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from services.reporting.application import ReportingApplication
from services.reporting.domain import annual_report, reviewed_report
from services.reporting.rendering.annual_report import report_csv, report_html
from services.reporting.views.statistics import statistics_view
from services.runtime.ops.commands.named_service import existing_store
from services.runtime.settings import RuntimeSettings
from services.runtime.store.database import store_env

app = typer.Typer(add_completion=False, help=__doc__)


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def render(year: int, area: str | None, output_format: Format, settings: RuntimeSettings) -> str:
    """The report for `year` as text, from the store `settings` point at."""
    application = ReportingApplication(
        env=store_env(settings, "reporting"), master_key=settings.resolved_master_key()
    )
    try:
        indicators = statistics_view(application).counts()
        report = annual_report(
            year, area or "all", application.annual_facts(area), indicators=indicators
        )
        # The working group's analysis and action plan (D-5, D-9), once drafted.
        report = reviewed_report(report, application.annual_review(year, area or "all"))
    finally:
        application.close()
    if output_format is Format.CSV:
        return report_csv(report)
    if output_format is Format.HTML:
        return report_html(report)
    return json.dumps(report.as_json(), ensure_ascii=False, indent=2, default=str)


@app.command()
def export(
    year: Annotated[int, typer.Argument(min=2000, max=2100, help="The calendar year.")],
    area: Annotated[
        str | None, typer.Option(help="HSA-id prefix of the collaboration area's units.")
    ] = None,
    output_format: Annotated[Format, typer.Option("--format")] = Format.HTML,
    output: Annotated[Path | None, typer.Option(help="File to write (stdout if absent).")] = None,
) -> None:
    """The annual report for YEAR (html, json or csv); a year with no data is an empty report.

    Example: samverkan report export 2026 --area SE2321000016 --format csv --output 2026.csv
    """
    settings = RuntimeSettings()
    existing_store(settings, "reporting")
    text = render(year, area, output_format, settings)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)


if __name__ == "__main__":
    app()
