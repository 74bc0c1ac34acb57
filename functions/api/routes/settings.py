"""``/settings``: the tenant's settings (C1–C3, O4–O13)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.api import request
from shared.api.models.settings import SettingsPatch
from shared.domain.settings import TenantSettings
from shared.services.tenant import settings as service

router = Router()


@router.get("/settings", tags=["settings"])
def read_settings() -> TenantSettings:
    """The tenant's settings (C1–C3, O4–O13); defaults while none are stored."""
    return request.settings()


@router.patch("/settings", tags=["settings"])
def update_settings(body: SettingsPatch) -> TenantSettings:
    """Change some settings; the result is validated as a whole and the default template must exist."""
    return service.change_settings(request.repo(), request.config().tenant_id, body.changes(), actor=request.actor())
