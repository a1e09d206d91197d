"""GET /healthz for load balancers: 200 when the database answers, else 503."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from secondlock.web.deps import services_of

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    if services_of(request).rt.db.ping():
        return JSONResponse({"status": "ok"})
    return JSONResponse({"status": "unavailable", "reason": "database"}, status_code=503)
