"""Fast seeding of one tenant: settings and template through the tenant services,
customers and agreements through the repository, invoices with one PynamoDB
``batch_write`` (the items exactly as ``DunningRepository.create_invoice`` writes them).

The data set for ``n`` invoices, run date ``RUN_DATE``:

* 1 % of the invoices (every 100th) are due: their first step fell on one of
  the ten days up to and including the run date; every other invoice's first
  step is 1–60 days after it;
* the due invoices are spread so that a tenth of them come in pairs of one
  customer (consolidated into one reminder), the rest alone;
* ``n // 20`` customers (at least as many as the due invoices need), one
  agreement each; the invoices that are not due are dealt round-robin over
  all customers;
* every amount is above the de-minimis threshold, so every due invoice is
  reminded, and step 1 carries all four actions (e-mail, SMS, fee, BS), so
  every consumer is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from shared.domain.planning import InvoiceState, PeriodSeen, next_step_on
from shared.domain.settings import BsSettings, TenantSettings
from shared.domain.templates import TemplateDefinition, TemplateVersion
from shared.services.tenant.settings import store_settings
from shared.services.tenant.templates import define_template
from shared.storage.models import InvoiceModel
from shared.storage.records import as_stored, seen_customer
from shared.storage.repository import Agreement, Customer, DunningRepository, new_invoice_item

RUN_DATE = date(2026, 3, 2)
RUN_TIME = time(6, 0)
FIRST_STEP_DAYS = 5
DUE_EVERY = 100  # 1 % of invoices are due on the run date
PAIRED_SHARE = 10  # one due invoice in PAIRED_SHARE is half of a customer's pair
INVOICES_PER_CUSTOMER = 20

TEMPLATE = TemplateDefinition.model_validate(
    {
        "name": "standard",
        "steps": [
            {"name": "Rykker 1", "days": FIRST_STEP_DAYS, "actions": ["email", "sms", {"fee": "100.00"}, "bs"]},
            {"name": "Rykker 2", "days": 10, "actions": ["email", "sms", {"fee": "100.00"}]},
            {"name": "Rykker 3", "days": 10, "actions": ["email", "sms", {"fee": "100.00"}]},
        ],
    }
)


def tenant_settings(tenant: str) -> TenantSettings:
    return TenantSettings(
        tenant=tenant,
        tenant_name="Bench ApS",
        default_template=TEMPLATE.name,
        min_overdue_amount=Decimal("100.00"),
        min_days_between_reminders=10,
        bs=BsSettings(enabled=True, creditor_number="12345678"),
    )


def run_event(settings: TenantSettings) -> dict[str, str]:
    """The EventBridge Scheduler event of the run on ``RUN_DATE`` at ``RUN_TIME`` in the tenant's zone."""
    now = datetime.combine(RUN_DATE, RUN_TIME, tzinfo=settings.zone).astimezone(UTC)
    return {"source": "schedule", "time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}


@dataclass(frozen=True)
class Seeded:
    invoices: int
    customers: int
    due_invoices: int
    due_customers: int  # = the consolidated reminders the run must send
    paired_customers: int
    template_version: str


def layout(n: int) -> tuple[list[int], dict[int, int], int, int]:
    """Which invoices are due, their customers, how many due customers, how many pairs."""
    due = list(range(0, n, DUE_EVERY))
    pairs = len(due) // PAIRED_SHARE // 2
    customer_of: dict[int, int] = {}
    for k, index in enumerate(due):
        customer_of[index] = k // 2 if k < 2 * pairs else pairs + (k - 2 * pairs)
    due_customers = len(due) - pairs
    return due, customer_of, due_customers, pairs


def customer_profile(number: int) -> Customer:
    return Customer(
        customer_id=f"C{number:06d}",
        name=f"Kunde {number} ApS",
        email=f"bogholderi{number}@kunde.example",
        phone=f"+452012{number % 10_000:04d}",
        language="da" if number % 5 else "en",
        address={"lines": [f"Vestergade {number % 200 + 1}"], "postcode": "8000", "city": "Aarhus C", "country": "DK"},
    )


def invoice_state(
    index: int, customer: int, version: TemplateVersion, respite: int, due_now: bool
) -> tuple[InvoiceState, date]:
    """Invoice number ``index`` of the data set and the date of its first step."""
    invoice_id = f"INV{index:07d}"
    if due_now:  # first step on one of the ten days up to the run date
        due = RUN_DATE - timedelta(days=FIRST_STEP_DAYS + index // DUE_EVERY % 10)
    else:  # first step 1..60 days after the run date
        due = RUN_DATE - timedelta(days=FIRST_STEP_DAYS) + timedelta(days=1 + index % 60)
    amount = Decimal(200 + (index // DUE_EVERY * 13 + index) % 50 * 37) + Decimal("0.50")
    state = InvoiceState(
        invoice_id=invoice_id,
        customer_id=f"C{customer:06d}",
        agreement_id=f"A{customer:06d}",
        template_version=version.version_id,
        amount=amount,
        open_amount=amount,
        issued=due - timedelta(days=14),
        due=due,
        # the snapshots create_invoice files: the customer as stored, its agreement's empty arrears period
        customer_seen=seen_customer(as_stored(customer_profile(customer))),
        period_seen=PeriodSeen(),
    )
    first_step_on = next_step_on(state, version, respite)
    assert first_step_on is not None and (first_step_on <= RUN_DATE) == due_now
    return state, first_step_on


def _invoice_item(index: int, customer: int, version: TemplateVersion, respite: int, due_now: bool) -> InvoiceModel:
    """One invoice item, built as ``DunningRepository.create_invoice`` builds it."""
    return new_invoice_item(*invoice_state(index, customer, version, respite, due_now))


def seed(repo: DunningRepository, settings: TenantSettings, n: int) -> Seeded:
    store_settings(repo, settings, actor="bench")
    version = define_template(repo, TEMPLATE, RUN_DATE - timedelta(days=365), actor="bench").version
    due, customer_of, due_customers, pairs = layout(n)
    customers = max(n // INVOICES_PER_CUSTOMER, due_customers)
    for number in range(customers):
        profile = customer_profile(number)
        repo.put_customer(profile)
        repo.create_agreement(Agreement(f"A{number:06d}", profile.customer_id, version.version_id))
    respite = settings.min_days_between_reminders
    with InvoiceModel.batch_write() as batch:
        for index in range(n):
            due_now = index in customer_of
            customer = customer_of[index] if due_now else index % customers
            batch.save(_invoice_item(index, customer, version, respite, due_now))
    return Seeded(
        invoices=n,
        customers=customers,
        due_invoices=len(due),
        due_customers=due_customers,
        paired_customers=pairs,
        template_version=version.version_id,
    )
