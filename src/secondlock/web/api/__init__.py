"""The v1 JSON API under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from secondlock.web.api import (
    accounts,
    authenticator_app,
    authenticators,
    login,
    me,
    password,
    recovery,
    recovery_codes,
    security_keys,
    sms_email_codes,
    staff,
)
from secondlock.web.api.docs import API_PREFIX

fast_lane = me.fast_lane

router = APIRouter(prefix=API_PREFIX)
router.include_router(me.router)
router.include_router(login.router)
router.include_router(accounts.router)
router.include_router(authenticator_app.router)
router.include_router(authenticators.router)
router.include_router(recovery_codes.router)
router.include_router(password.router)
router.include_router(sms_email_codes.router)
router.include_router(security_keys.router)
router.include_router(recovery.router)  # lost every factor (#15)
router.include_router(staff.router)
