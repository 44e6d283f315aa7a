"""The baseline for HTTP latency: FastAPI answering the same request with a constant.

Run as its own uvicorn process, exactly like a service, so the difference
to a service is the service's own work.
"""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()

ANSWER = {
    "allowed": True,
    "basis": {"kind": "consent", "id": "00000000-0000-0000-0000-000000000000"},
    "valid_until": None,
}


@app.get("/v1/decisions")
async def decision() -> dict[str, object]:
    return ANSWER


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
