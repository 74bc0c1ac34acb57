"""The statement of account on demand (O16): preview it (GET) and e-mail it (POST) through the API."""

import email

from dunning.local_api import LocalApi
from tests.api.conftest import ok


def test_preview_lists_open_items_and_balance_and_sends_nothing(tenant: LocalApi):
    # Given C1 has paid 250.00 of I1 (1250.00) and has 100.00 on account
    ok(tenant.request("POST", "/payments", {"id": "P1", "amount": "250.00", "on": "2026-01-20", "invoice": "I1"}), 201)
    ok(tenant.request("POST", "/payments", {"id": "P2", "amount": "100.00", "on": "2026-01-21", "customer": "C1"}), 201)
    # When the operator previews C1's statement
    preview = ok(tenant.request("GET", "/customers/C1/statement"))
    # Then it lists I1's remainder and the payment on account, and the balance
    assert preview["items"] == 2
    assert preview["balance"] == "900.00"
    assert preview["to"] == "c1@example.dk"
    assert "1.000,00 kr." in preview["text"] and "-100,00 kr." in preview["text"] and "900,00 kr." in preview["text"]
    assert "Kontoudtog" in preview["subject"]
    # And nothing was e-mailed
    assert tenant.scheduler.events == []


def test_post_emails_the_statement_through_the_scheduler(tenant: LocalApi):
    # When the operator sends C2's statement
    sent = ok(tenant.request("POST", "/customers/C2/statement"), 202)
    # Then the scheduler function queued it under a key of the customer and the request
    assert sent["customer"] == "C2" and "/C2/statement/" in sent["key"]
    assert tenant.scheduler.events[-1]["source"] == "statement"
    # And the e-mail consumer sent it to the customer, listing I2 and the balance
    from moto.ses.models import ses_backends

    from dunning.local_stack import DEFAULT_ACCOUNT_ID, REGION

    messages = [
        m for m in ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages if "c2@example.dk" in str(m.destinations)
    ]
    assert len(messages) == 1
    mime = email.message_from_string(messages[0].raw_data)
    text = next(p for p in mime.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    assert "I2" in text and "Saldo: 500,00 kr." in text


def test_unknown_customer_is_404_and_a_customer_without_email_is_refused(tenant: LocalApi):
    # Given a customer without an e-mail address
    ok(tenant.request("POST", "/customers", {"id": "C9", "name": "Uden Mail"}), 201)
    # Then previewing an unknown customer is 404, and sending to C9 is refused naming the field
    code, body = tenant.request("GET", "/customers/NOPE/statement")
    assert code == 404 and body["field"] == "customer_id"
    code, body = tenant.request("POST", "/customers/C9/statement")
    assert code == 422 and body["field"] == "email"
    assert tenant.scheduler.events == []


def test_a_template_step_may_carry_the_statement_action(api: LocalApi):
    # When a template's step names `statement`
    body = {"name": "kontoudtog", "steps": [{"name": "Rykker 1", "days": 4, "actions": ["email", "statement"]}]}
    created = ok(api.request("POST", "/templates", body), 201)
    # Then it is stored with it, and an unknown action is still refused naming the field
    assert created["version"]["steps"][0]["actions"] == ["email", "statement"]
    code, refused = api.request(
        "POST", "/templates", {"name": "x", "steps": [{"name": "R", "days": 1, "actions": ["letter"]}]}
    )
    assert code == 422 and refused["field"].startswith("steps[0].actions[0]")
