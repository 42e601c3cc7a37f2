"""Notifications in a browser on this computer (loopback: a secure context, so the Notification API
is there): ada has allowed them (the browser context's "notifications" permission is her click on
Allow), mutes #random from its header's bell, and sits in #plans. bob's chatter in #random arrives
(its unread badge says so) without a notification; his mention of her in #general notifies, with
who, where and what he said.

What the browser was asked to show is read from a recorder around ``window.Notification`` (an init
script of ada's context, as a browser extension would be): it only records, it drives nothing."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import E2E_CODE
from tests.e2e.journeys.conftest import (
    STEP_TIMEOUT_MS,
    Journey,
    View,
    audit,
    join_as,
    person_page,
    press,
)
from tests.peers import Peer

# Records each notification the page constructs, then constructs the real one.
RECORDER = """
(() => {
  const Real = window.Notification;
  window.__notifications = [];
  if (typeof Real !== 'function') return;
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: (options && options.body) || '' });
    }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Recorded.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Recorded;
})();
"""


def shown(page: Any) -> list[dict[str, str]]:
    return page.evaluate("window.__notifications")  # type: ignore[no-any-return]


def rooms_list(page: Any, view: View) -> Any:
    if view.phone:
        press(page.get_by_role("button", name="Show rooms"))
    return page.get_by_role("navigation", name="Rooms")


def test_mention_notifies_muted_channel_does_not(
    host: Any, contexts: Any, journey: Journey, view: View
) -> None:
    bob = Peer(host.url, {"name": "bob", "code": E2E_CODE})
    try:
        random = bob.call("create_room", {"name": "random"})["room"]["id"]
        bob.call("create_room", {"name": "plans"})
        general = bob.room_id()
        ada = person_page(
            contexts,
            viewport={"width": view.width, "height": view.height},
            color_scheme=view.scheme,
            has_touch=view.phone,
            permissions=["notifications"],
        )
        ada.context.add_init_script(RECORDER)
        join_as(ada, host.url, "ada")
        press(rooms_list(ada, view).get_by_role("button", name="Join #plans"))
        expect(ada.get_by_role("heading", name="#plans")).to_be_visible()
        press(rooms_list(ada, view).get_by_role("button", name="Join #random"))
        expect(ada.get_by_role("heading", name="#random")).to_be_visible()

        # Mute #random from its header.
        press(ada.get_by_role("button", name="Room notifications"))
        dialog = ada.get_by_role("dialog", name="Notifications")
        expect(dialog.get_by_text("This browser shows Parley’s notifications.")).to_be_visible()
        levels = dialog.get_by_role("group", name="Notify me in #random about")
        expect(levels.get_by_role("radio", name="All messages")).to_be_checked()
        press(levels.get_by_role("radio", name="Nothing"))
        expect(levels.get_by_role("radio", name="Nothing")).to_be_checked()
        journey.shot(ada, "random muted")
        audit(ada)
        press(dialog.get_by_role("button", name="Close"))
        expect(dialog).to_have_count(0)
        expect(ada.get_by_role("button", name="Room notifications")).to_have_attribute(
            "title", "Notifications: Nothing"
        )

        press(rooms_list(ada, view).get_by_role("button", name=re.compile(r"^plans")))
        expect(ada.get_by_role("heading", name="#plans")).to_be_visible()

        # Chatter in the muted room: it arrives (the badge), nothing is shown.
        bob.send(random, "anyone seen the stapler?", "b-1")
        badge = rooms_list(ada, view).get_by_role("button", name=re.compile(r"^random.*1 unread"))
        expect(badge).to_be_visible(timeout=STEP_TIMEOUT_MS)
        journey.shot(ada, "chatter arrived quietly")
        if view.phone:
            ada.keyboard.press("Escape")  # the rooms drawer closes
        assert shown(ada) == []

        # A mention in #general (not the open room): a notification.
        bob.send(general, "@ada lunch at noon?", "b-2")
        ada.wait_for_function("window.__notifications.length > 0", timeout=STEP_TIMEOUT_MS)
        assert shown(ada) == [
            {"title": "bob mentioned you in #general", "body": "@ada lunch at noon?"}
        ]
        journey.shot(ada, "the mention notified")
    finally:
        bob.close()
