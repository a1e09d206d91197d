"""The v1 JSON API under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from secondlock.web.api import (
    accounts,
    authenticators,
    login,
    me,
    oob,
    password,
    recovery,
    webauthn,
)
from secondlock.web.api.docs import API_PREFIX

fast_lane = me.fast_lane

router = APIRouter(prefix=API_PREFIX)
router.include_router(me.router)
router.include_router(login.router)
router.include_router(accounts.router)
router.include_router(authenticators.router)
router.include_router(password.router)
router.include_router(oob.router)  # SMS and email codes (#4)
router.include_router(webauthn.router)
router.include_router(recovery.router)  # lost every factor (#15)
