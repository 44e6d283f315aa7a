"""What escalation's request bodies share: free-text fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Notes = Annotated[str, Field(max_length=4000)]
"""Free text: stays in escalation's store (sealed), never on a topic."""
Text = Annotated[str, Field(min_length=1, max_length=4000)]
