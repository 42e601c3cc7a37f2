"""Add a phone-sized second device by a one-time link (its QR code beside it), then sign it out
from the first: the phone is told at once and is back at the join screen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import (
    JOIN_TIMEOUT_MS,
    Journey,
    View,
    audit,
    join_as,
    person_page,
    press,
)


def _open_devices(page: Any, view: View) -> None:
    if view.phone:
        press(page.get_by_role("button", name="Show rooms"))
    press(page.get_by_role("button", name="Your devices"))
    expect(page.get_by_role("dialog", name="Your devices")).to_be_visible()


def test_add_a_phone_by_link_then_revoke_it(
    host: Any, people: Any, contexts: Any, view: View, journey: Journey
) -> None:
    laptop = people()
    join_as(laptop, host.url, "Ana")
    _open_devices(laptop, view)
    dialog = laptop.get_by_role("dialog", name="Your devices")
    expect(dialog.get_by_role("listitem", name="(this device)")).to_have_count(1)
    name = dialog.get_by_label("Name of the new device (optional)")
    press(name)
    name.fill("Phone")
    press(dialog.get_by_role("button", name="Show sign-in link"))
    link = dialog.get_by_label("Sign-in link", exact=True)
    expect(link).to_contain_text("#signin=")
    expect(dialog.get_by_role("img", name="QR code of the sign-in link")).to_be_visible()
    expect(dialog).to_contain_text("works once, for 10 minutes")
    journey.shot(laptop, "the sign-in link and its QR code")
    audit(laptop)

    # The phone opens the link (as a camera would hand it over): 390 px wide, whatever the view.
    phone = person_page(
        contexts,
        viewport={"width": 390, "height": 844},
        color_scheme=view.scheme,
        has_touch=True,
    )
    phone.goto(link.inner_text().strip())
    expect(phone.get_by_role("textbox", name="Message", exact=True)).to_be_visible(
        timeout=JOIN_TIMEOUT_MS
    )
    expect(phone.locator(".me-name")).to_have_text("Ana")
    assert "#signin" not in phone.url  # the secret does not stay in the address bar
    journey.shot(phone, "the phone is signed in as Ana")
    audit(phone)

    # The laptop's list follows: the phone is there, online, by the name given.
    phone_row = dialog.get_by_role("listitem", name="Phone", exact=True)
    expect(phone_row).to_contain_text("Online now", timeout=JOIN_TIMEOUT_MS)
    press(dialog.get_by_role("button", name="Sign out Phone"))
    journey.shot(laptop, "sign the phone out")
    press(phone_row.get_by_role("button", name="Sign out", exact=True))
    expect(phone_row).to_have_count(0, timeout=JOIN_TIMEOUT_MS)

    # The phone is told at once: back at the join screen, saying why.
    expect(phone.get_by_role("alert")).to_contain_text(
        "This device was signed out", timeout=JOIN_TIMEOUT_MS
    )
    expect(phone.get_by_label("Your name")).to_be_visible()
    journey.shot(phone, "the phone was signed out")
    audit(phone)
    # A reload does not bring it back: its token is gone from the host too.
    phone.reload()
    expect(phone.get_by_label("Your name")).to_be_visible(timeout=JOIN_TIMEOUT_MS)
    journey.shot(laptop, "the laptop keeps going")
