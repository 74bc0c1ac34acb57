"""The status report and the notices say what happened, in the tenant's language (issue 10).

The reporter is fed what a run decided (the reminders it sent and what each charged or could
not); a fake repository and mailer stand in for DynamoDB and SES, and the tests read the
rendered e-mail's text part.
"""

from __future__ import annotations

import email
from datetime import date
from decimal import Decimal
from email.header import decode_header, make_header
from typing import Any

import pytest

from shared.domain.channels import unreachable
from shared.domain.danish_rules import AgreementArrears, InvoiceFeeHistory, fee_decision
from shared.domain.planning import GroupKey, HeldBack, InvoiceState, PlannedReminder, plan_reminders
from shared.domain.reasons import Reason
from shared.domain.run_control import check_run
from shared.domain.settings import TenantSettings
from shared.domain.templates import Step, TemplateVersion
from shared.rendering.reasons import DANISH, say
from shared.services.charges import StepCharges
from shared.services.reporting import TenantMailReporter
from shared.services.scheduling import RunSummary, reminder_key_of
from shared.storage.repository import Customer

RUN_DATE = date(2026, 3, 14)
TEMPLATE = TemplateVersion(
    name="standard",
    number=1,
    steps=(
        Step(name="Rykker 1", days=4, actions=["email", "sms", {"fee": "100.00"}, "statement"]),  # type: ignore[list-item]
    ),
)


class FakeRepo:
    def __init__(self, *customers: Customer) -> None:
        self.customers = {c.customer_id: c for c in customers}

    def get_customer(self, customer_id: str) -> Customer | None:
        return self.customers.get(customer_id)

    def disputes(self) -> list[dict[str, Any]]:
        return []


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send(self, sender: str, recipient: str, raw_mime: bytes) -> str:
        self.sent.append(raw_mime)
        return f"m-{len(self.sent)}"

    def text(self) -> str:
        mime = email.message_from_bytes(self.sent[-1])
        part = next(p for p in mime.walk() if p.get_content_type() == "text/plain")
        return part.get_payload(decode=True).decode()


def settings(language: str = "da") -> TenantSettings:
    return TenantSettings(
        tenant="acme",
        tenant_name="Fjernvarme Demo A/S",
        language=language,  # type: ignore[arg-type]
        status_report_to="finance@acme.example",
        notify_to="ops@acme.example",
    )


def invoice(invoice_id: str, customer_id: str, amount: str) -> InvoiceState:
    return InvoiceState(
        invoice_id=invoice_id,
        customer_id=customer_id,
        agreement_id=f"A-{customer_id}",
        template_version="standard_v1",
        amount=Decimal(amount),
        open_amount=Decimal(amount),
        issued=date(2026, 2, 1),
        due=date(2026, 3, 1),
    )


def reminder(customer_id: str, *invoices: InvoiceState) -> PlannedReminder:
    return PlannedReminder(GroupKey(customer_id, "standard_v1", 1), TEMPLATE, list(invoices))


def report_text(
    repo: FakeRepo, tenant: TenantSettings, charged: list[tuple[PlannedReminder, StepCharges]], **more: Any
) -> tuple[str, dict[str, Any]]:
    mailer = FakeMailer()
    reporter = TenantMailReporter(repo, mailer, "robot@acme.example", lambda now: [])  # type: ignore[arg-type]
    summary = RunSummary(run_id="2026-03-14T05:00:00Z", run_date=RUN_DATE.isoformat(), status="completed")
    effect = reporter.run_report(
        tenant,
        summary,
        [r for r, _ in charged],
        more.get("held_back", []),
        [],
        [],
        [],
        charged={reminder_key_of(r, tenant.tenant): c for r, c in charged},
    )
    assert effect is not None
    return mailer.text(), effect


JENS = Customer("C1", "Jens Hansen", "jens@example.dk", "+4520123456", "da", None)
OLE = Customer("C2", "Ole Berg", None, None, "da", None)


def test_a_fee_the_rules_refused_is_not_reported_as_charged_but_as_skipped_with_its_danish_reason():
    # Given a reminder whose fee the 10-day rule refused (demo 2026-03-14)
    sent = reminder("C1", invoice("I1", "C1", "1234.50"))
    refused = fee_decision(
        RUN_DATE,
        [InvoiceFeeHistory("I1", "A-C1", fee_dates=(date(2026, 3, 9),))],
        {},
        business_customer=False,
        b2b_contractual_fees=False,
    )
    charges = StepCharges(skipped={"fee": refused.reason})  # type: ignore[dict-item]
    # When the run's status report is rendered in Danish
    text, effect = report_text(FakeRepo(JENS), settings(), [(sent, charges)])
    # Then the channels are the ones used, without "gebyr", and the fee is skipped with the Danish reason
    row = next(line for line in text.splitlines() if line.startswith("Jens Hansen (C1)"))
    assert "e-mail, SMS, kontoudtog" in row and "gebyr" not in row
    assert "1.234,50 kr." in row
    assert (
        "Ikke udført: gebyr – sidste gebyr for faktura I1 blev opkrævet 9. marts 2026, under 10 dage siden "
        "(renteloven § 9 b, stk. 2)" in text
    )
    assert "last fee" not in text  # no English inside the Danish report
    assert effect["reminders"] == [{"customer": "C1", "step": "Rykker 1"}]


def test_the_fee_actually_charged_is_shown_with_its_danish_amount():
    sent = reminder("C1", invoice("I1", "C1", "500.00"))
    text, _ = report_text(FakeRepo(JENS), settings(), [(sent, StepCharges(fee=Decimal("100.00")))])
    assert "e-mail, SMS, gebyr 100,00 kr., kontoudtog" in text


def test_channels_the_customer_cannot_receive_are_skipped_with_danish_reasons_and_english_in_english():
    # Given a customer with neither e-mail address nor phone
    sent = reminder("C2", invoice("I2", "C2", "300.00"))
    charges = StepCharges(fee=Decimal("100.00"))
    # When reported in Danish, then in English
    danish, _ = report_text(FakeRepo(OLE), settings(), [(sent, charges)])
    english, _ = report_text(FakeRepo(OLE), settings("en"), [(sent, charges)])
    # Then each skipped action has its reason in the report's language
    assert "Ikke udført: e-mail – kunden har ingen e-mailadresse" in danish
    assert "Ikke udført: SMS – kunden har intet telefonnummer" in danish
    assert "Ikke udført: kontoudtog – kunden har ingen e-mailadresse" in danish
    assert "Not done: email – the customer has no e-mail address" in english
    assert "Not done: statement of account – the customer has no e-mail address" in english
    assert "DKK 100.00" in english


def test_a_customers_statement_is_reported_once_per_run():
    first = reminder("C1", invoice("I1", "C1", "100.00"))
    second = PlannedReminder(GroupKey("C1", "standard_v2", 1), TEMPLATE, [invoice("I9", "C1", "50.00")])
    text, _ = report_text(FakeRepo(JENS), settings(), [(first, StepCharges()), (second, StepCharges())])
    assert text.count("kontoudtog") == 1


def test_held_back_reason_has_danish_amounts():
    small = reminder("C1", invoice("I1", "C1", "50.00"))
    plan = plan_reminders(small.invoices, {"standard_v1": TEMPLATE}, RUN_DATE, 0, Decimal("101.00"))
    held: list[HeldBack] = plan.held_back
    sent = reminder("C2", invoice("I2", "C2", "300.00"))
    text, _ = report_text(FakeRepo(JENS, OLE), settings(), [(sent, StepCharges())], held_back=held)
    assert "ubetalt i alt 50,00 kr. er under bagatelgrænsen på 101,00 kr." in text


def test_a_paused_run_notice_is_danish_while_its_effect_keeps_the_english_reason():
    # Given a run paused by two unposted entries
    tenant = settings()
    outcome = check_run(tenant, [], [], {"Indbetalinger": 2})
    assert outcome is not None
    mailer = FakeMailer()
    reporter = TenantMailReporter(FakeRepo(), mailer, "robot@acme.example", lambda now: [])  # type: ignore[arg-type]
    summary = RunSummary(run_id="2026-03-14T05:00:00Z", run_date=RUN_DATE.isoformat(), status="paused")
    # When the tenant is told
    effect = reporter.run_stopped(tenant, summary, outcome, [])
    # Then the notice is in Danish, and the effect's reason is the English text
    assert effect is not None
    assert "Årsag: kladden 'Indbetalinger' har 2 ikke-bogførte posteringer" in mailer.text()
    assert effect["reason"] == "journal 'Indbetalinger' has 2 unposted entries"


def test_an_aborted_run_notice_names_each_problem_in_danish():
    outcome = check_run(settings(), ["C7"], [], {})
    assert outcome is not None
    mailer = FakeMailer()
    reporter = TenantMailReporter(FakeRepo(), mailer, "robot@acme.example", lambda now: [])  # type: ignore[arg-type]
    summary = RunSummary(run_id="r", run_date=RUN_DATE.isoformat(), status="aborted")
    effect = reporter.run_stopped(settings(), summary, outcome, [])
    text = mailer.text()
    assert "Årsag: konfiguration: settings.excluded_customers nævner den ukendte kunde 'C7'" in text
    assert effect is not None and effect["reason"].startswith("configuration: settings.excluded_customers")


def test_the_approval_notice_says_its_reason_in_the_tenants_language():
    mailer = FakeMailer()
    reporter = TenantMailReporter(FakeRepo(JENS), mailer, "robot@acme.example", lambda now: [])  # type: ignore[arg-type]
    summary = RunSummary(run_id="r", run_date=RUN_DATE.isoformat(), status="completed")
    effect = reporter.proposals_waiting(settings(), summary, [reminder("C1", invoice("I1", "C1", "10.00"))])
    assert effect is not None and effect["reason"] == "1 proposal(s) await approval"
    assert "Årsag: 1 forslag venter på godkendelse" in mailer.text()
    # And its subject says once that they wait, with the run's date
    subject = str(make_header(decode_header(email.message_from_bytes(mailer.sent[-1])["Subject"])))
    assert subject.startswith("Rykkerkørsel ") and subject.endswith(": 1 forslag venter på godkendelse")


REASONS = [
    unreachable("email", OLE, settings()),
    unreachable("sms", OLE, settings()),
    unreachable("bs", OLE, settings()),
    fee_decision(RUN_DATE, [InvoiceFeeHistory("I1", "A1", disputed_ever=True)], {}, False, False).reason,
    fee_decision(RUN_DATE, [InvoiceFeeHistory("I1", "A1", fee_dates=(date(2026, 1, 1),) * 3)], {}, False, False).reason,
    fee_decision(
        RUN_DATE, [InvoiceFeeHistory("I1", "A1")], {"A1": AgreementArrears("A1", date(2026, 1, 1), 3)}, False, False
    ).reason,
    fee_decision(RUN_DATE, [InvoiceFeeHistory("I1", "A1")], {}, False, False, fee=Decimal("150.00")).reason,
]


@pytest.mark.parametrize("reason", REASONS, ids=lambda r: getattr(r, "code", "plain"))
def test_every_engine_reason_has_a_code_and_a_danish_text(reason: Any):
    assert isinstance(reason, Reason) and reason.code in DANISH
    danish = say(reason, "da")
    assert danish and danish != str(reason)
    assert say(reason, "en") == str(reason)


def test_an_uncoded_reason_is_shown_as_it_is():
    assert say("something new happened", "da") == "something new happened"
    assert say(Reason("no.such.code", "kept as is"), "da") == "kept as is"


def test_a_fee_over_the_cap_is_said_with_danish_amounts():
    reason = fee_decision(RUN_DATE, [InvoiceFeeHistory("I1", "A1")], {}, False, False, fee=Decimal("1234.50")).reason
    assert reason is not None
    assert say(reason, "da").startswith("gebyret på 1.234,50 kr. overstiger grænsen på 100,00 kr. for en forbruger")


def test_an_approval_reports_the_cases_it_handed_to_debt_collection():
    # Given an approval that handed one case to the partner and sent no reminder
    mailer = FakeMailer()
    reporter = TenantMailReporter(FakeRepo(JENS), mailer, "robot@acme.example", lambda now: [])  # type: ignore[arg-type]
    summary = RunSummary(
        run_id="approval@2026-03-14T08:00:00Z", run_date=RUN_DATE.isoformat(), status="completed", kind="approval"
    )
    case = {"customer": "C1", "invoices": ["I1", "I2"], "amount": "1234.50"}
    # When it reports
    effect = reporter.run_report(settings(), summary, [], [], [], [], [], charged={}, cases=[case])
    # Then the report has the case with its Danish amount, and says it was an approval
    text = mailer.text()
    assert "godkendelse" in text.splitlines()[1]
    assert "1 overdraget til inkasso" in text
    assert "Overdraget til inkasso (1)" in text and "1.234,50 kr." in text
    assert effect is not None and effect["reminders"] == [] and effect["cases"] == [{"customer": "C1"}]


def test_every_reason_code_in_the_engine_has_a_danish_text():
    # Given every coded reason the engine can give (Reason("code", …) in shared/)
    import re

    from tests.conftest import REPO

    codes = {
        code
        for path in (REPO / "shared").rglob("*.py")
        for code in re.findall(r'Reason\(\s*"([a-z_.]+)"', path.read_text(encoding="utf-8"))
    }
    # Then the Danish catalogue says each of them
    assert len(codes) > 15
    assert sorted(codes - DANISH.keys()) == []


@pytest.mark.parametrize(
    ("phone", "danish"),
    [
        ("12345678", "kundens telefonnummer kan ikke bruges: nummerserien er ikke i brug (+45)"),
        ("123", "kundens telefonnummer kan ikke bruges: det er for kort (+45)"),
        ("garbage", "kundens telefonnummer kan ikke bruges: det ligner ikke et telefonnummer"),
    ],
)
def test_a_phone_number_that_cannot_be_used_is_said_all_in_danish(phone: str, danish: str):
    # Given a customer whose phone number cannot be dialled
    customer = Customer("C9", "Kunde C9", phone=phone, email="c9@example.dk")
    # When the SMS step is checked
    reason = unreachable("sms", customer, settings())
    # Then the Danish report says why in Danish; the effect keeps the English text
    assert reason is not None and say(reason, "da") == danish
    assert str(reason).startswith("the customer's phone number is not usable: not a")


def test_a_fee_refused_for_want_of_a_letter_is_reported_in_danish_with_each_channels_reason():
    # Given a step with an e-mail, an SMS and a fee, for a customer with neither address nor phone
    # (demo 2026-01-29, K027), decided by the run's own charge rules
    from tests.unit.services.fakes import NO_WAIT, ListSink, Tenant, at

    class Keep:
        charged: Any = None

        def run_report(self, *args: Any, charged: Any = None, **kwargs: Any) -> None:
            Keep.charged = charged

        def run_stopped(self, *args: Any, **kwargs: Any) -> None: ...

        def proposals_waiting(self, *args: Any, **kwargs: Any) -> None: ...

    from shared.services.scheduling import schedule_due_reminders

    steps = [{"name": "Rykker 1", "days": 4, "actions": ["email", "sms", {"fee": "100.00"}]}]
    tenant = Tenant(steps=steps, status_report_to="bogholderi@acme.example")
    tenant.invoice("I1", email=None, phone=None)
    schedule_due_reminders(tenant.store, ListSink(), at(date(2026, 3, 6)), reporter=Keep(), backoff=NO_WAIT)
    [charges] = Keep.charged.values()
    reason = charges.skipped["fee"]
    # Then the effect keeps its English text, and the Danish report says it in Danish, channel by channel
    assert str(reason).startswith("no letter reached the customer (renteloven § 9 b): email: ")
    assert say(reason, "da") == (
        "intet rykkerbrev nåede kunden, så der opkræves intet gebyr (renteloven § 9 b): "
        "e-mail: kunden har ingen e-mailadresse; SMS: kunden har intet telefonnummer"
    )


class DisputingRepo(FakeRepo):
    def disputes(self) -> list[dict[str, Any]]:
        return [{"customer": "C1", "invoice": "I9", "until": "2026-12-31"}]


def test_the_held_back_table_is_by_customer_with_a_customers_disputes_last():
    from shared.services.report_lines import ReportLines

    lines = ReportLines(DisputingRepo(JENS, OLE), lambda now: [])  # type: ignore[arg-type]
    held = [
        HeldBack(reminder("C2", invoice("I2", "C2", "10.00")), "below the limit"),
        HeldBack(reminder("C1", invoice("I1", "C1", "10.00")), "below the limit"),
    ]
    rows = lines.held_back(held, RUN_DATE)
    assert [(row.customer_id, row.invoice_ids) for row in rows] == [("C1", ["I1"]), ("C1", ["I9"]), ("C2", ["I2"])]
