"""Operator API: one Powertools REST resolver behind API Gateway (IAM-authorised).

Thin: each route validates its input with the models in ``shared.api.models``, calls
one function of ``shared.services.operator`` (or the approval gateway), and shapes the
answer. Refusals are JSON ``{"error", "field", "reason"}`` with 404/409/422; the OpenAPI
document is generated from these routes and served at ``/openapi.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from shared.api import models as m
from shared.api.config import ApiConfig
from shared.api.limits import nesting_problem
from shared.aws import client
from shared.domain.planning import InvoiceState
from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateDefinition, TemplateVersion
from shared.messages import QUEUE_OF
from shared.observability import logger, tracer
from shared.services import approval_gateway, operator, preview, sends, statements
from shared.services.operator import BulkRefused, OperatorError, SchedulerGateway
from shared.storage.ledger import SendLedger
from shared.storage.repository import Customer, DunningRepository, NotFound, repository_for

app = APIGatewayRestResolver(enable_validation=True)

TITLE = "Dunning operator API"
API_VERSION = "1.0.0"
MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
JSON = "application/json"


class LambdaScheduler:
    """The tenant's scheduler function: a run starts asynchronously (InvocationType Event),
    a decision on proposals is a synchronous call whose result is returned."""

    def __init__(self, function_name: str | None) -> None:
        self.function_name = function_name

    def _name(self) -> str:
        if not self.function_name:
            raise operator.Conflict("this stack has no scheduler function configured", "run")
        return self.function_name

    def start(self, event: dict[str, Any]) -> None:
        client("lambda").invoke(FunctionName=self._name(), InvocationType="Event", Payload=json.dumps(event).encode())

    def call(self, event: dict[str, Any]) -> dict[str, Any]:
        response = client("lambda").invoke(FunctionName=self._name(), Payload=json.dumps(event).encode())
        result = json.loads(response["Payload"].read() or b"{}")
        if response.get("FunctionError"):
            raise operator.Conflict(f"the scheduler refused: {result.get('errorMessage', result)}", "proposals")
        return dict(result)


# ----------------------------------------------------------------- request context


def _config() -> ApiConfig:
    return app.context["config"]


def _scheduler() -> SchedulerGateway:
    return app.context["scheduler"]


def _repo() -> DunningRepository:
    return repository_for(_config().table_name)


def _settings() -> TenantSettings:
    return operator.current_settings(_repo(), _config().tenant_id)


def _now() -> datetime:
    """The request's own time (API Gateway's requestTimeEpoch): the clock is an input."""
    epoch_ms = app.current_event.request_context.request_time_epoch
    return datetime.fromtimestamp(epoch_ms / 1000, UTC) if epoch_ms else datetime.now(UTC)


def _today() -> date:
    return _now().astimezone(_settings().zone).date()


def _created(model: Any, created: bool = True) -> Response[Any]:
    return Response(status_code=201 if created else 200, content_type=JSON, body=model)


# ----------------------------------------------------------------- errors


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = list(location)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def _error(status: int, error: str, field: str | None, reason: str, errors: list[dict[str, Any]] | None = None) -> Any:
    body = m.ErrorBody(error=error, field=field, reason=reason, errors=errors)
    return Response(status_code=status, content_type=JSON, body=body.model_dump_json(exclude_none=True))


@app.exception_handler(RequestValidationError)
def _invalid_request(error: RequestValidationError) -> Response[Any]:
    errors = [{"field": _field_path(e["loc"]), "reason": str(e["msg"])} for e in error.errors()]
    if not errors:
        return _error(422, "validation_error", "body", "the request is not valid")
    if any(e.get("type") == "json_invalid" for e in error.errors()):
        return _error(400, "bad_request", "body", "the body is not valid JSON")
    return _error(422, "validation_error", errors[0]["field"], errors[0]["reason"], errors)


@app.exception_handler(ValidationError)
def _invalid_model(error: ValidationError) -> Response[Any]:
    found = operator.validation_errors(error)
    errors = [{"field": f, "reason": r} for f, r in found]
    return _error(422, "validation_error", found[0][0], found[0][1], errors)


@app.exception_handler(OperatorError)
def _refused(error: OperatorError) -> Response[Any]:
    status = {"not_found": 404, "conflict": 409}.get(error.code, 422)
    rows = [asdict(e) for e in error.errors] if isinstance(error, BulkRefused) else None
    return _error(status, error.code, error.field, error.reason, rows)


@app.not_found
def _no_route(_: Exception) -> Response[Any]:
    return _error(404, "not_found", "path", f"no route {app.current_event.http_method} {app.current_event.path}")


# ----------------------------------------------------------------- shaping


def _version_out(version: TemplateVersion, created_on: str) -> m.VersionOut:
    return m.VersionOut(
        version_id=version.version_id,
        name=version.name,
        number=version.number,
        used=version.used,
        created_on=created_on,
        steps=[m.StepOut.model_validate(step.model_dump(mode="json")) for step in version.steps],
    )


def _template_out(name: str, views: list[operator.VersionView]) -> m.TemplateOut:
    versions = [_version_out(v.version, v.created_on) for v in views]
    return m.TemplateOut(name=name, latest=versions[-1].version_id, versions=versions)


def _customer_out(customer: Customer) -> m.CustomerOut:
    return m.CustomerOut(id=customer.customer_id, **customer.as_data())


def _agreement_out(agreement: Any) -> m.AgreementOut:
    return m.AgreementOut(
        id=agreement.agreement_id, customer=agreement.customer_id, template=agreement.template_version
    )


def _invoice_out(invoice: InvoiceState) -> m.InvoiceOut:
    return m.InvoiceOut(
        id=invoice.invoice_id,
        customer=invoice.customer_id,
        agreement=invoice.agreement_id,
        template=invoice.template_version,
        amount=invoice.amount,
        open_amount=invoice.open_amount,
        issued=invoice.issued,
        due=invoice.due,
        steps_done=invoice.steps_done,
        last_step_on=invoice.last_step_on,
        disputed_until=invoice.disputed_until,
        disputed_ever=invoice.disputed_ever,
    )


def _customer(customer_id: str, fields: m.CustomerFields | m.CustomerIn) -> Customer:
    return Customer(
        customer_id=customer_id,
        name=fields.name,
        email=fields.email,
        phone=fields.phone,
        language=fields.language,
        address=fields.address.model_dump(mode="json") if fields.address else None,
        business=fields.business,
    )


# ----------------------------------------------------------------- OpenAPI


@app.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[Any]:
    return Response(status_code=200, content_type=JSON, body=openapi_json())


def openapi_json() -> str:
    return app.get_openapi_json_schema(
        title=TITLE,
        version=API_VERSION,
        description="Settings, templates, tenant data, runs and approvals of one tenant's dunning stack. "
        "Every request is signed with AWS SigV4 (IAM).",
    )


# ----------------------------------------------------------------- settings


@app.get("/settings", tags=["settings"])
def read_settings() -> TenantSettings:
    """The tenant's settings (C1–C3, O4–O13); defaults while none are stored."""
    return _settings()


@app.patch("/settings", tags=["settings"])
def update_settings(body: m.SettingsPatch) -> TenantSettings:
    """Change some settings; the result is validated as a whole and the default template must exist."""
    return operator.change_settings(_repo(), _config().tenant_id, body.changes())


# ----------------------------------------------------------------- templates


@app.get("/templates", tags=["templates"])
def list_templates() -> list[m.TemplateOut]:
    """Every template with all its versions (C5)."""
    return [_template_out(name, views) for name, views in sorted(operator.list_templates(_repo()).items())]


@app.post("/templates", tags=["templates"])
def define_template(body: m.TemplateIn) -> Response[m.DefineOut]:
    """Define a template: version 1, the next version when the latest was used (C8), or unchanged."""
    definition = TemplateDefinition.model_validate(body.model_dump(mode="json"))
    result = operator.define_template(_repo(), definition, _today(), _settings().b2b_contractual_fees)
    version = operator.get_version(_repo(), result.version.name, result.version.number)
    out = m.DefineOut(
        outcome=result.outcome,
        version=_version_out(version.version, version.created_on),
        sms=[m.SmsSegmentsOut.model_validate(asdict(counted)) for counted in result.sms],
    )
    return _created(out, result.outcome != "unchanged")


@app.get("/templates/<version>/steps/<step>/preview", tags=["templates"])
def preview_step(
    version: Annotated[str, Path(min_length=1, max_length=70)],
    step: Annotated[int, Path(ge=1, le=20)],
    customer: Annotated[str | None, Query(min_length=1, max_length=64, pattern=ID_PATTERN)] = None,
    language: Annotated[Literal["da", "en"] | None, Query()] = None,
) -> m.PreviewOut:
    """One step of a version (``standard_v2``, or a name: its latest) as the debtor would get it — for
    ``customer`` and their open invoices, else a sample customer. Nothing is sent or recorded."""
    shown = preview.preview_step(_repo(), _settings(), version, step, _today(), customer, language)
    return m.PreviewOut(
        version_id=shown.version_id,
        step=shown.step_number,
        step_name=shown.step_name,
        actions=shown.actions,
        language=shown.language,
        customer=shown.customer.customer_id,
        sample_customer=shown.sample_customer,
        sample_invoices=shown.sample_invoices,
        invoices=shown.message.invoice_ids,
        email=m.EmailPreviewOut(subject=shown.email.subject, html=shown.email.html, text=shown.email.text),
        sms=m.SmsPreviewOut(
            text=shown.sms.text,
            encoding=shown.sms.encoding,
            characters=shown.sms.characters,
            segments=shown.sms.segments,
        ),
        bs_text_lines=shown.slip_lines,
    )


@app.get("/templates/<name>", tags=["templates"])
def read_template(name: Annotated[str, Path(max_length=60)]) -> m.TemplateOut:
    return _template_out(name, operator.get_template(_repo(), name))


@app.get("/templates/<name>/usage", tags=["templates"])
def template_usage(name: Annotated[str, Path(max_length=60)]) -> list[m.VersionUsageOut]:
    """Which agreements, sales and invoices in process use each version."""
    return [m.VersionUsageOut.model_validate(asdict(u)) for u in operator.template_usage(_repo(), name)]


@app.get("/templates/<name>/versions/<number>", tags=["templates"])
def read_version(name: Annotated[str, Path(max_length=60)], number: Annotated[int, Path(ge=1)]) -> m.VersionOut:
    view = operator.get_version(_repo(), name, number)
    return _version_out(view.version, view.created_on)


@app.put("/templates/<name>/versions/<number>", tags=["templates"])
def replace_version(
    name: Annotated[str, Path(max_length=60)], number: Annotated[int, Path(ge=1)], body: m.StepsIn
) -> Response[m.DefineOut]:
    """Replace a version in place — refused (409) once a reminder has used it (C8)."""
    steps = TemplateDefinition.model_validate({"name": "x", **body.model_dump(mode="json")}).steps
    result = operator.replace_version(_repo(), name, number, steps, _today(), _settings().b2b_contractual_fees)
    view = operator.get_version(_repo(), result.version.name, result.version.number)
    sms = [m.SmsSegmentsOut.model_validate(asdict(counted)) for counted in result.sms]
    out = m.DefineOut(outcome=result.outcome, version=_version_out(view.version, view.created_on), sms=sms)
    return _created(out, False)


# ----------------------------------------------------------------- customers


@app.get("/customers", tags=["customers"])
def list_customers() -> list[m.CustomerOut]:
    return [_customer_out(c) for c in operator_repo_customers()]


def operator_repo_customers() -> list[Customer]:
    return sorted(_repo().list_customers(), key=lambda c: c.customer_id)


@app.post("/customers", tags=["customers"])
def create_customer(body: m.CustomerIn) -> Response[m.CustomerOut]:
    return _created(_customer_out(operator.create_customer(_repo(), _customer(body.id, body))))


@app.post("/customers/bulk", tags=["customers", "import"])
def import_customers(body: m.CustomersBulkIn) -> m.BulkOut:
    """Create or replace many customers; nothing is written if any row is refused."""
    count = operator.import_customers(_repo(), [_customer(c.id, c) for c in body.items], body.dry_run)
    return m.BulkOut(dry_run=body.dry_run, count=count)


@app.get("/customers/<customer_id>", tags=["customers"])
def read_customer(customer_id: IdPath) -> m.CustomerOut:
    return _customer_out(operator.get_customer(_repo(), customer_id))


@app.put("/customers/<customer_id>", tags=["customers"])
def put_customer(customer_id: IdPath, body: m.CustomerFields) -> Response[m.CustomerOut]:
    """Create or replace a customer (201 when new)."""
    customer, created = operator.put_customer(_repo(), _customer(customer_id, body))
    return _created(_customer_out(customer), created)


@app.patch("/customers/<customer_id>", tags=["customers"])
def patch_customer(customer_id: IdPath, body: m.CustomerPatch) -> m.CustomerOut:
    changes = body.model_dump(mode="json", exclude_unset=True)
    if changes.get("name", "") is None:
        raise operator.Invalid("a customer always has a name", "name")
    if changes.get("business", False) is None:
        raise operator.Invalid("a customer is a business (true) or not (false)", "business")
    return _customer_out(operator.patch_customer(_repo(), customer_id, changes))


@app.get("/customers/<customer_id>/statement", tags=["customers"])
def preview_statement(customer_id: IdPath) -> m.StatementPreviewOut:
    """The customer's statement of account (kontoudtog) as it would be e-mailed now; nothing is sent."""
    settings = _settings()
    preview = statements.statement_preview(_repo(), settings.display_name, customer_id, _today(), settings.sender)
    return m.StatementPreviewOut.model_validate(preview)


@app.post("/customers/<customer_id>/statement", tags=["customers"])
def send_statement(customer_id: IdPath) -> Response[m.StatementSentOut]:
    """E-mail the customer's statement of account now: every open item and the balance, no fee (O16)."""
    sent = statements.send_statement(_repo(), _scheduler(), customer_id, _now())
    return Response(status_code=202, content_type=JSON, body=m.StatementSentOut.model_validate(sent))


# ----------------------------------------------------------------- agreements and sales


@app.get("/agreements", tags=["agreements"])
def list_agreements(
    customer: Annotated[str | None, Query(max_length=64)] = None,
    template: Annotated[str | None, Query(max_length=70)] = None,
) -> list[m.AgreementOut]:
    return [_agreement_out(a) for a in operator.list_agreements(_repo(), customer, template)]


@app.post("/agreements", tags=["agreements"])
def create_agreement(body: m.AgreementIn) -> Response[m.AgreementOut]:
    """An agreement with its own template, else the tenant default resolved now (C2, C4)."""
    agreement = operator.create_agreement(_repo(), _settings(), body.id, body.customer, body.template)
    return _created(_agreement_out(agreement))


@app.post("/agreements/bulk", tags=["agreements", "import"])
def import_agreements(body: m.AgreementsBulkIn) -> m.BulkOut:
    rows = [operator.AgreementRow(a.id, a.customer, a.template) for a in body.items]
    count = operator.import_agreements(_repo(), _settings(), rows, body.dry_run, body.also_importing_customers)
    return m.BulkOut(dry_run=body.dry_run, count=count)


@app.post("/agreements/move", tags=["agreements"])
def move_agreements(body: m.MoveAgreementsIn) -> m.MoveAgreementsOut:
    """The mass action (C9): all or the chosen agreements to a version; their next invoices use it."""
    version, agreements, sales = operator.move_agreements(
        _repo(), _settings(), body.template, body.agreements, body.include_sales
    )
    return m.MoveAgreementsOut(template=version, moved=len(agreements), agreements=agreements, sales=sales)


@app.get("/agreements/<agreement_id>", tags=["agreements"])
def read_agreement(agreement_id: IdPath) -> m.AgreementOut:
    return _agreement_out(operator.get_agreement(_repo(), agreement_id))


@app.patch("/agreements/<agreement_id>", tags=["agreements"])
def patch_agreement(agreement_id: IdPath, body: m.AgreementPatch) -> m.AgreementOut:
    """Point one agreement at another template version (its running invoices keep theirs, C10)."""
    operator.get_agreement(_repo(), agreement_id)
    operator.move_agreements(_repo(), _settings(), body.template, [agreement_id])
    return _agreement_out(operator.get_agreement(_repo(), agreement_id))


@app.get("/sales", tags=["sales"])
def list_sales() -> list[m.SaleOut]:
    """Sales in draft or ready state, with their own template choice (C11)."""
    return [m.SaleOut.model_validate(s) for s in sorted(_repo().list_sales(), key=lambda s: s["id"])]


@app.post("/sales", tags=["sales"])
def create_sale(body: m.SaleIn) -> Response[m.SaleOut]:
    sale = operator.create_sale(_repo(), _settings(), body.id, body.name, body.template, body.state)
    return _created(m.SaleOut.model_validate(sale))


@app.get("/sales/<sale_id>", tags=["sales"])
def read_sale(sale_id: IdPath) -> m.SaleOut:
    return m.SaleOut.model_validate(operator.get_sale(_repo(), sale_id))


@app.patch("/sales/<sale_id>", tags=["sales"])
def patch_sale(sale_id: IdPath, body: m.SalePatch) -> m.SaleOut:
    changes = body.model_dump(exclude_unset=True)
    return m.SaleOut.model_validate(operator.patch_sale(_repo(), _settings(), sale_id, changes))


@app.post("/sales/<sale_id>/win", tags=["sales"])
def win_sale(sale_id: IdPath, body: m.WinSaleIn) -> Response[m.AgreementOut]:
    """The sale became a customer: its agreement carries the sale's template."""
    agreement = operator.win_sale(_repo(), _settings(), sale_id, body.customer, body.agreement)
    return _created(_agreement_out(agreement))


# ----------------------------------------------------------------- invoices


@app.get("/invoices", tags=["invoices"])
def list_invoices(
    customer: Annotated[str, Query(min_length=1, max_length=64)],
    agreement: Annotated[str | None, Query(max_length=64)] = None,
) -> list[m.InvoiceOut]:
    """A customer's invoices of every status (optionally of one agreement)."""
    return [_invoice_out(i) for i in operator.list_invoices(_repo(), customer, agreement)]


@app.post("/invoices", tags=["invoices"])
def create_invoice(body: m.InvoiceIn) -> Response[m.InvoiceOut]:
    """An invoice pins its agreement's template version for its whole process (C10)."""
    invoice = operator.create_invoice(_repo(), _settings(), body.id, body.agreement, body.amount, body.issued, body.due)
    return _created(_invoice_out(invoice))


@app.post("/invoices/bulk", tags=["invoices", "import"])
def import_invoices(body: m.InvoicesBulkIn) -> m.BulkOut:
    rows = [operator.InvoiceRow(i.id, i.agreement, i.amount, i.issued, i.due) for i in body.items]
    count = operator.import_invoices(_repo(), _settings(), rows, body.dry_run, body.also_importing_agreements)
    return m.BulkOut(dry_run=body.dry_run, count=count)


@app.get("/invoices/<invoice_id>", tags=["invoices"])
def read_invoice(invoice_id: IdPath) -> m.InvoiceOut:
    return _invoice_out(operator.get_invoice(_repo(), invoice_id))


@app.post("/invoices/<invoice_id>/dispute", tags=["invoices"])
def dispute_invoice(invoice_id: IdPath, body: m.DisputeIn) -> m.InvoiceOut:
    """The customer disputes the invoice: no reminders until ``until`` (omitted: until resolved),
    and no fee on its reminders afterwards (renteloven § 9 b, stk. 1)."""
    return _invoice_out(operator.dispute_invoice(_repo(), _settings(), invoice_id, body.until))


@app.post("/invoices/<invoice_id>/dispute/resolve", tags=["invoices"])
def resolve_dispute(invoice_id: IdPath) -> m.InvoiceOut:
    """The dispute is resolved: the invoice's next step is due again (still without a fee)."""
    return _invoice_out(operator.dispute_invoice(_repo(), _settings(), invoice_id, None, resolved=True))


@app.get("/invoices/<invoice_id>/timeline", tags=["invoices"])
def invoice_timeline(invoice_id: IdPath) -> m.TimelineOut:
    """The pinned template version and every effect, payment and credit note on the invoice."""
    timeline = operator.invoice_timeline(_repo(), invoice_id, _now())
    return m.TimelineOut(
        invoice=_invoice_out(timeline["invoice"]),
        status=timeline["status"],
        template=timeline["template"],
        events=timeline["events"],
    )


# ----------------------------------------------------------------- payments and credit notes


def _record(kind: operator.EntryKind, body: m.EntryIn) -> Response[m.EntryOut]:
    entry, created = operator.record_entry(
        _repo(), kind, body.id, body.amount, body.on, body.invoice, body.customer, body.source
    )
    return _created(m.EntryOut.model_validate(entry), created)


@app.post("/payments", tags=["payments"])
def record_payment(body: m.EntryIn) -> Response[m.EntryOut]:
    """A payment against an invoice, or on the customer's account; sending it again changes nothing."""
    return _record("payment", body)


@app.get("/payments", tags=["payments"])
def list_payments(customer: Annotated[str | None, Query(max_length=64)] = None) -> list[m.EntryOut]:
    return [m.EntryOut.model_validate(e) for e in operator.list_entries(_repo(), "payment", customer)]


@app.post("/credit-notes", tags=["payments"])
def record_credit_note(body: m.EntryIn) -> Response[m.EntryOut]:
    return _record("credit_note", body)


@app.get("/credit-notes", tags=["payments"])
def list_credit_notes(customer: Annotated[str | None, Query(max_length=64)] = None) -> list[m.EntryOut]:
    return [m.EntryOut.model_validate(e) for e in operator.list_entries(_repo(), "credit_note", customer)]


# ----------------------------------------------------------------- bank connections and journals


@app.get("/bank-connections", tags=["accounting"])
def list_bank_connections() -> list[m.BankConnectionOut]:
    return [m.BankConnectionOut.model_validate(c) for c in _repo().bank_connections()]


@app.put("/bank-connections/<name>", tags=["accounting"])
def put_bank_connection(name: Annotated[str, Path(min_length=1, max_length=100)], body: m.BankConnectionIn) -> Any:
    """Record a bank connection's state (checked before a run when check_bank_connections is on, O5)."""
    _repo().put_bank_connection(name, body.active)
    return m.BankConnectionOut(name=name, active=body.active)


@app.put("/journals/<journal>", tags=["accounting"])
def put_journal(journal: Annotated[str, Path(min_length=1, max_length=64)]) -> Any:
    """Create a cash journal (kassekladde) a run may check for unposted payments (O6)."""
    _repo().put_journal(journal)
    return {"journal": journal}


@app.get("/journals/<journal>/entries", tags=["accounting"])
def list_journal_entries(journal: Annotated[str, Path(min_length=1, max_length=64)]) -> list[m.JournalEntryOut]:
    return [m.JournalEntryOut.model_validate(e) for e in operator.journal_entries(_repo(), journal)]


@app.post("/journals/<journal>/entries", tags=["accounting"])
def add_journal_entry(
    journal: Annotated[str, Path(min_length=1, max_length=64)], body: m.JournalEntryIn
) -> Response[m.JournalEntryOut]:
    entry = {"customer": body.customer, "amount": f"{body.amount:.2f}", "text": body.text}
    return _created(m.JournalEntryOut.model_validate(operator.add_journal_entry(_repo(), journal, body.id, entry)))


@app.post("/journals/<journal>/post", tags=["accounting"])
def post_journal(journal: Annotated[str, Path(min_length=1, max_length=64)], body: m.PostJournalIn) -> m.CountOut:
    """Post every unposted entry: each becomes a payment on its customer's account."""
    return m.CountOut(count=operator.post_journal(_repo(), journal, body.on))


# ----------------------------------------------------------------- runs


@app.post("/runs", tags=["runs"])
def start_run(body: m.StartRunIn) -> Response[m.StartRunOut]:
    """Start the reminder flow now (O1), or resume a paused run (O6); the run reports its status (O2)."""
    started = operator.start_run(_repo(), _scheduler(), _now(), body.resume)
    return Response(status_code=202, content_type=JSON, body=m.StartRunOut.model_validate(started))


@app.get("/runs", tags=["runs"])
def list_runs(limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[dict[str, Any]]:
    """Runs, newest first: status (queued, running, completed, skipped, aborted, paused, failed) and counts."""
    return _repo().list_runs(limit=limit)


@app.get("/runs/<run_id>", tags=["runs"])
def read_run(run_id: Annotated[str, Path(min_length=1, max_length=80)]) -> dict[str, Any]:
    return operator.get_run(_repo(), run_id)


# ----------------------------------------------------------------- proposals, cases, usage


@app.get("/proposals", tags=["approval"])
def list_proposals(
    invoice: Annotated[str | None, Query(max_length=64)] = None,
    customer: Annotated[str | None, Query(max_length=64)] = None,
) -> list[m.ProposalOut]:
    """Reminders and collection cases (kind) waiting for approval (O9), by invoice or by customer."""
    return [m.ProposalOut.model_validate(p) for p in approval_gateway.list_proposals(_repo(), invoice, customer)]


@app.post("/proposals/approve", tags=["approval"])
def approve_proposals(body: m.ProposalDecisionIn) -> dict[str, Any]:
    """Approve the named proposals (keys), those of some customers, or all (neither): they are sent now."""
    return approval_gateway.decide(_repo(), _scheduler(), "approve", _now(), body.customers, body.keys)


@app.post("/proposals/reject", tags=["approval"])
def reject_proposals(body: m.ProposalDecisionIn) -> dict[str, Any]:
    """Reject proposals: their invoices are due again, the next run proposes them anew."""
    return approval_gateway.decide(_repo(), _scheduler(), "reject", _now(), body.customers, body.keys)


@app.get("/collection-cases", tags=["approval"])
def list_collection_cases() -> list[dict[str, Any]]:
    """Customers handed to debt collection (O14)."""
    return approval_gateway.list_cases(_repo())


@app.get("/references/<reference>", tags=["references"])
def read_reference(reference: Annotated[str, Path(max_length=15)]) -> dict[str, Any]:
    """The reminder a payment reference belongs to: customer, invoices (open now), step, date."""
    return operator.lookup_reference(_repo(), reference)


@app.get("/usage/<month>", tags=["usage"])
def read_usage(month: Annotated[str, Path(pattern=MONTH_PATTERN)]) -> dict[str, Any]:
    """Metered robot work of one month, YYYY-MM (O15)."""
    return approval_gateway.usage(_repo(), month)


# ----------------------------------------------------------------- unconfirmed sends


def _ledger() -> SendLedger:
    return SendLedger(_repo(), None, _now)  # the API never claims; it reads and resolves


def _operator_identity() -> str:
    """Who decided: the caller's IAM identity from API Gateway, when it is known."""
    identity = app.current_event.request_context.identity
    return str(identity.user_arn or identity.caller or identity.user or "operator")


def _requeue(action: str, body: str) -> None:
    queue = {"email": _config().email_queue_url, "sms": _config().sms_queue_url}[QUEUE_OF[action]]
    if not queue:
        raise operator.Conflict(f"this stack has no {QUEUE_OF[action]} queue configured", "decision")
    client("sqs").send_message(QueueUrl=queue, MessageBody=body)


@app.get("/sends/unconfirmed", tags=["sends"])
def list_unconfirmed_sends(older_than_hours: Annotated[int, Query(ge=0, le=24 * 90)] = 24) -> list[m.SendOut]:
    """E-mails and SMS that may or may not have gone out (unconfirmed, failed, or a claim whose lease ran
    out), open for longer than ``older_than_hours``: each waits for an operator's decision."""
    found = sends.needing_decision(_ledger(), _now(), timedelta(hours=older_than_hours))
    return [m.SendOut.model_validate(entry.as_data()) for entry in found]


@app.post("/sends/<send_ref>/resolve", tags=["sends"])
def resolve_send(send_ref: Annotated[str, Path(min_length=8, max_length=400)], body: m.ResolveSendIn) -> m.SendOut:
    """Decide an open send: ``sent`` records it as sent; ``resend`` releases it and queues its message
    again (the send ledger still sends it once). ``send_ref`` is the send id or the URL-encoded key."""
    key = _send_key(unquote(send_ref))
    try:
        entry = sends.resolve(_ledger(), key, body.decision, _operator_identity(), _requeue)
    except sends.NothingToResolve as error:
        raise operator.Conflict(str(error), "decision") from None
    logger.info("send resolved", extra={"send_id": entry.send_id, "decision": body.decision})
    return m.SendOut.model_validate(entry.as_data())


def _send_key(ref: str) -> str:
    if "/" in ref:
        return ref
    entry = _ledger().get_by_id(ref)
    if entry is None:
        raise NotFound(f"send {ref!r} does not exist")
    return entry.key


# ----------------------------------------------------------------- entry point


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext, scheduler: SchedulerGateway | None = None) -> dict[str, Any]:
    """API Gateway proxy event in, proxy response out. ``scheduler`` replaces the Lambda one locally."""
    if (problem := nesting_problem(_body_text(event))) is not None:  # before json.loads can recurse too deep
        body = m.ErrorBody(error="bad_request", field="body", reason=problem).model_dump_json(exclude_none=True)
        return {"statusCode": 400, "headers": {"Content-Type": JSON}, "body": body}
    config = ApiConfig.from_env()
    app.append_context(config=config, scheduler=scheduler or LambdaScheduler(config.scheduler_function_name))
    return app.resolve(event, context)


def _body_text(event: dict[str, Any]) -> str | None:
    body = event.get("body")
    if body and event.get("isBase64Encoded"):
        import base64

        return base64.b64decode(body).decode("utf-8", errors="replace")
    return body if isinstance(body, str) else None


lambda_handler = handler
