"""``/templates``: templates and their versions (C5, C8), step previews and usage."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from functions.api import request
from functions.api.mappers.templates import define_out, preview_out, template_out, version_out
from functions.api.routes.params import ID_PATTERN, TemplateName
from shared.api.models.templates import (
    DefineOut,
    PreviewOut,
    StepsIn,
    TemplateIn,
    TemplateOut,
    VersionOut,
    VersionUsageOut,
)
from shared.domain.templates import TemplateDefinition
from shared.services import preview
from shared.services.tenant import templates as service

router = Router()


@router.get("/templates", tags=["templates"])
def list_templates() -> list[TemplateOut]:
    """Every template with all its versions (C5)."""
    return [template_out(name, views) for name, views in sorted(service.list_templates(request.repo()).items())]


@router.post("/templates", tags=["templates"])
def define_template(body: TemplateIn) -> Response[DefineOut]:
    """Define a template: version 1, the next version when the latest was used (C8), or unchanged."""
    repo = request.repo()
    definition = TemplateDefinition.model_validate(body.model_dump(mode="json"))
    b2b = request.settings().b2b_contractual_fees
    result = service.define_template(repo, definition, request.today(), b2b, actor=request.actor())
    stored = service.get_version(repo, result.version.name, result.version.number)
    return request.created(define_out(result, stored), result.outcome != "unchanged")


@router.get("/templates/<version>/steps/<step>/preview", tags=["templates"])
def preview_step(
    version: Annotated[str, Path(min_length=1, max_length=70)],
    step: Annotated[int, Path(ge=1, le=20)],
    customer: Annotated[str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)] = None,
    language: Annotated[Literal["da", "en"] | None, Query()] = None,
) -> PreviewOut:
    """One step of a version (``standard_v2``, or a name: its latest) as the debtor would get it — for
    ``customer`` and their open invoices, else a sample customer. Nothing is sent or recorded."""
    shown = preview.preview_step(request.repo(), request.settings(), version, step, request.today(), customer, language)
    return preview_out(shown)


@router.get("/templates/<name>", tags=["templates"])
def read_template(name: TemplateName) -> TemplateOut:
    return template_out(name, service.get_template(request.repo(), name))


@router.get("/templates/<name>/usage", tags=["templates"])
def template_usage(name: TemplateName) -> list[VersionUsageOut]:
    """Which agreements, sales and invoices in process use each version."""
    return [VersionUsageOut.model_validate(asdict(u)) for u in service.template_usage(request.repo(), name)]


@router.get("/templates/<name>/versions/<number>", tags=["templates"])
def read_version(name: TemplateName, number: Annotated[int, Path(ge=1)]) -> VersionOut:
    view = service.get_version(request.repo(), name, number)
    return version_out(view.version, view.created_on)


@router.put("/templates/<name>/versions/<number>", tags=["templates"])
def replace_version(name: TemplateName, number: Annotated[int, Path(ge=1)], body: StepsIn) -> Response[DefineOut]:
    """Replace a version in place — refused (409) once a reminder has used it (C8)."""
    repo = request.repo()
    steps = TemplateDefinition.model_validate({"name": "x", **body.model_dump(mode="json")}).steps
    b2b = request.settings().b2b_contractual_fees
    result = service.replace_version(repo, name, number, steps, request.today(), b2b, actor=request.actor())
    stored = service.get_version(repo, result.version.name, result.version.number)
    return request.created(define_out(result, stored), False)
