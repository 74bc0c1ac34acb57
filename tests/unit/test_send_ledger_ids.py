"""The send ledger's id travels as an SES message tag; a claim's pending effect is completed later."""

import re

from shared.storage.ledger import PENDING_ID, send_id, with_provider_id


def test_the_send_id_is_stable_and_fits_an_ses_tag_value():
    # Given a business key with the characters keys have (slashes, dots, underscores)
    key = "acme/C-1.2/standard_v1/2/email/c2818bc4e5ec4ae4"
    # Then its id is the same every time, short, and only uses what SES allows in a tag value
    assert send_id(key) == send_id(key)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", send_id(key))
    assert send_id(key) != send_id(key.replace("email", "sms"))


def test_a_pending_effect_gets_the_providers_id_where_the_claim_left_a_placeholder():
    pending = {"kind": "email", "to": "c1@example.dk", "_message_id": PENDING_ID}
    assert with_provider_id(pending, "ses-1") == {"kind": "email", "to": "c1@example.dk", "_message_id": "ses-1"}
    assert with_provider_id(pending, None)["_message_id"] is None
