"""The made-up ids and instants every example shares, so related events name the same things.

The subject id is an arbitrary 64-hex string, not derived from any identity number;
HSA-ids are invented.
"""

from datetime import UTC, datetime
from uuid import UUID

SUBJECT = "3f" * 32
SOCIAL_SERVICES = "SE2321000016-15CQ"
PSYCHIATRY = "SE2321000016-7R2K"
POLICE = "SE2021000076-PL01"
CASEWORKER = "SE2321000016-H9X1"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
RED_THREAD = UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
COORDINATOR = "SE2321000016-K00R"
MEETING_AT = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
FOLLOW_UP_AT = datetime(2026, 4, 14, 13, 0, tzinfo=UTC)
ESCALATION = UUID("e5ca1a7e-0000-4000-8000-00000000e006")
MONTHLY_MEETING = UUID("3ee71ae0-0000-4000-8000-00000000e007")
ACUTE_MATTER = UUID("ac07e000-0000-4000-8000-00000000e008")
ROUTINE_REVIEW = UUID("7e71e700-0000-4000-8000-00000000e013")
ADULT_CARE = "SE2321000016-15CA"
