"""The ceiling: a bare Starlette app under the same uvicorn options as SecondLock.

GET /json answers a small JSON object; POST /login reads the body and answers 401 JSON, the
shape of a failed sign-in without any of the work.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def get_json(request: Request) -> JSONResponse:
    return JSONResponse({"id": "00000000-0000-0000-0000-000000000000",
                         "email": "ada@example.com", "email_verified": False})


async def post_login(request: Request) -> JSONResponse:
    await request.body()
    return JSONResponse({"status": 401, "code": "invalid_credentials"}, status_code=401,
                        media_type="application/problem+json")


app = Starlette(routes=[Route("/json", get_json), Route("/login", post_login, methods=["POST"])])
