"""The console on a phone: an approval or pause e-mail's link is often opened on one. Every page
fits the screen's width (a wide table scrolls inside itself), and the menu wraps across it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Stack, login, shot

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Any, stack: Stack) -> Any:
    context = browser.new_context(locale="da-DK", viewport=PHONE, device_scale_factor=1)
    tab = context.new_page()
    login(tab, stack)
    yield tab
    context.close()


@pytest.mark.parametrize(
    "path", ["/", "/runs", "/approvals", "/settings", "/templates/standard", "/customers", "/invoices/F-1001"]
)
def test_every_page_fits_a_phone(phone: Any, stack: Stack, path: str) -> None:
    # When a page is opened on a phone
    phone.goto(stack.url + path)
    shot(phone, "phone" + path.replace("/", "-"))
    # Then nothing reaches past the screen's width: the page scrolls down, never sideways
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # And the menu is one block across the width, not a column squeezed beside the log-out link
    nav = phone.locator("header nav").bounding_box()
    assert nav is not None and nav["width"] > PHONE["width"] * 0.8
