"""The scheduler reads only what is due: it queries the sparse due-index, never scans."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dunning.local_stack import LocalStack
from dunning.moto_patches import fast_transactions
from shared.domain.planning import CustomerSeen, InvoiceState, PeriodSeen
from shared.domain.settings import TenantSettings
from shared.domain.templates import TemplateDefinition
from shared.services.tenant.settings import store_settings
from shared.services.tenant.templates import define_template
from shared.storage.models import AgreementModel, CustomerModel, InvoiceModel
from shared.storage.repository import DunningRepository, new_invoice_item
from tests.support.storage import dynamodb_reads

RUN_DATE = date(2026, 3, 2)


def seed(repo: DunningRepository, invoices: int, due_share: float, snapshots: bool = True) -> int:
    """Customers stored before revisions (no ``rev``), one agreement each, and invoices — carrying
    snapshots of their customer and arrears period, or (``snapshots`` False) filed before them."""
    settings = TenantSettings(tenant="acme", default_template="standard")
    store_settings(repo, settings, actor="test")
    steps = [{"name": "Rykker 1", "days": 4, "actions": ["email", {"fee": "100.00"}]}]
    define_template(
        repo, TemplateDefinition.model_validate({"name": "standard", "steps": steps}), RUN_DATE, actor="test"
    )
    due_every = round(1 / due_share)
    with CustomerModel.batch_write() as customers, AgreementModel.batch_write() as agreements:
        for number in range(invoices // 2):
            customers.save(
                CustomerModel(
                    pk=f"CUSTOMER#C{number}",
                    sk="PROFILE",
                    customer_id=f"C{number}",
                    data={"name": f"Kunde {number}", "email": f"c{number}@example.dk"},
                )
            )
            agreements.save(
                AgreementModel(
                    pk="AGREEMENT",
                    sk=f"A{number}",
                    agreement_id=f"A{number}",
                    customer_id=f"C{number}",
                    template_version="standard_v1",
                )
            )
    due = 0
    with InvoiceModel.batch_write() as batch:
        for number in range(invoices):
            is_due = number % due_every == 0
            due += is_due
            first_step = RUN_DATE - timedelta(days=1) if is_due else RUN_DATE + timedelta(days=5 + number % 60)
            invoice_id = f"I{number:06d}"
            invoice = InvoiceState(
                invoice_id=invoice_id,
                customer_id=f"C{number // 2}",
                agreement_id=f"A{number // 2}",
                template_version="standard_v1",
                amount=Decimal("500.00"),
                open_amount=Decimal("500.00"),
                issued=date(2026, 1, 1),
                due=first_step - timedelta(days=4),
                customer_seen=CustomerSeen(None, f"Kunde {number // 2}", f"c{number // 2}@example.dk")
                if snapshots
                else None,
                period_seen=PeriodSeen() if snapshots else None,
            )
            batch.save(new_invoice_item(invoice, first_step))
    return due


@pytest.mark.slow
def test_a_run_over_10000_invoices_reads_at_most_105_items_per_100_due():
    # moto copies the whole table per transaction item; the patch copies only the touched items
    # (same answers, same requests — see dunning/moto_patches.py).
    with fast_transactions(), LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        # Given 10,000 invoices of which 1 % are due for a step that charges a fee; each carries
        # snapshots of its customer and its agreement's arrears period
        due = seed(repo, 10_000, 0.01)
        assert due == 100
        # When one scheduler run happens
        with dynamodb_reads() as reads:
            summary = stack.run_scheduler({"source": "schedule", "time": "2026-03-02T05:00:00Z"})
        # Then every due invoice was reminded and nothing was scanned; the run read no customer and no
        # agreement (the commits verified the snapshots), so reads stay within 1.05 items per due invoice
        assert summary["invoices_advanced"] == due
        assert reads["Scan"] == 0 and reads["BatchGetItem"] == 0
        assert reads["items"] / due <= 1.05, reads
        # And each invoice now carries its agreement's period with its fee in it
        invoice = repo.get_invoice("I000000")
        assert invoice is not None and invoice.period_seen == PeriodSeen(1, RUN_DATE, False)


@pytest.mark.slow
def test_invoices_filed_before_snapshots_are_read_as_before_and_get_them_on_their_commit():
    with fast_transactions(), LocalStack("acme") as stack:
        repo = DunningRepository(stack.table_name)
        # Given 2,000 invoices filed before snapshots, 5 % of them due
        due = seed(repo, 2_000, 0.05, snapshots=False)
        # When one scheduler run happens
        with dynamodb_reads() as reads:
            summary = stack.run_scheduler({"source": "schedule", "time": "2026-03-02T05:00:00Z"})
        # Then their customers and agreements were read in batches, besides the due invoices
        assert summary["invoices_advanced"] == due
        agreements = customers = due  # one agreement and one customer per due invoice here
        assert (reads["items"] - agreements - customers) / due <= 1.05, reads
        assert reads["BatchGetItem"] <= 2 * (agreements // 100 + 1), reads
        # And the commit gave each its snapshots
        invoice = repo.get_invoice("I000000")
        assert invoice is not None and invoice.customer_seen is not None
        assert invoice.customer_seen.rev is None and invoice.period_seen == PeriodSeen(1, RUN_DATE, False)
