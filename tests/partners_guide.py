"""The Python blocks of docs/partners.md, run as a partner would run them.

The contract test (tests/contract/test_partners_doc.py) and the consumer generated
from the AsyncAPI document (tests/integration/test_partner_consumer.py) both run the
guide's code as written, so the guide cannot drift from what works.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

from tests.support import ROOT

GUIDE = (ROOT / "docs" / "partners.md").read_text(encoding="utf-8")


def guide_code(section: str, index: int = 0) -> str:
    """The `index`th Python block of the guide's section whose heading starts with `section`."""
    body = GUIDE.split(f"\n## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, re.S)[index]


def guide_module(section: str, index: int, directory: Path) -> dict[str, Any]:
    """The globals of a guide's Python block, run as a file of its own in `directory`
    (not as ``__main__``, so a script's entry point stays put)."""
    path = directory / f"guide_{index}.py"
    path.write_text(guide_code(section, index), encoding="utf-8")
    return runpy.run_path(str(path))
