"""Issue 6 in a real browser against a real host: direct messages (and their privacy), replies,
edits, deletions, reactions, mentions, and unread/mention badges kept on the host."""

from __future__ import annotations

import dataclasses
import queue
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from backend import ServerHandle, Settings, start_server
from tests.e2e.conftest import E2E_CODE, HostProcess, join
from tests.peers import TIMEOUT, Peer

pytestmark = pytest.mark.e2e

# Reloads reconnect and resync on a shared 2-core box: more than Playwright's default 5 s.
SLOW = 20_000


def send(page: Any, text: str) -> None:
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.fill(text)
    box.press("Enter")


def item(page: Any, text: str) -> Any:
    """The message whose own text (not a quote of it) contains `text`."""
    return page.locator("article.msg").filter(has=page.locator(".msg-body", has_text=text))


def action(page: Any, text: str, name: str) -> Any:
    """Hover a message and return one of its hover-bar buttons."""
    message = item(page, text)
    message.hover()
    return message.get_by_role("toolbar", name="Message actions").get_by_role(
        "button", name=name, exact=True
    )


def sidebar(page: Any) -> Any:
    return page.get_by_role("navigation", name="Rooms")


def dm_section(page: Any) -> Any:
    return page.get_by_role("region", name="Direct messages")


def events_until(peer: Peer, marker: str) -> list[tuple[str, Any]]:
    """Everything `peer` received up to (and including) the message_created carrying `marker`.
    The host sends one connection's events in order, so whatever it sent this peer before the
    marker is in this list."""
    seen: list[tuple[str, Any]] = []
    while True:
        try:
            name, payload = peer.events.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"{marker!r} never reached {peer.user['name']}") from None
        seen.append((name, payload))
        if name == "message_created" and payload.get("text") == marker:
            return seen


@pytest.fixture
def busy_host(host_settings: Settings) -> Iterator[ServerHandle]:
    """A host whose send rate limit is raised so a test can seed a room quickly."""
    handle = start_server(dataclasses.replace(host_settings, send_rate=10_000.0, send_burst=10_000))
    yield handle
    handle.stop()


def test_direct_message_is_seen_only_by_its_participants(host: ServerHandle, contexts: Any) -> None:
    alice, bob, carol = (contexts().new_page() for _ in range(3))
    join(alice, host.url, "alice")
    join(bob, host.url, "bob")
    join(carol, host.url, "carol")
    # A fourth user on a plain socket records every event the host sends it.
    dave = Peer(host.url, {"name": "dave", "code": E2E_CODE})

    # alice starts a DM with bob from the people list.
    people = alice.get_by_role("complementary", name="People in this room")
    people.get_by_role("button", name="Message bob").click()
    expect(alice.get_by_role("heading", name="bob")).to_be_visible()
    send(alice, "the secret plan")
    expect(item(alice, "the secret plan")).to_be_visible()

    # bob gets it in his sidebar, with an unread badge, and reads it.
    bob_dm = dm_section(bob).get_by_role("button", name="alice")
    expect(bob_dm.get_by_label("1 unread")).to_be_visible(timeout=SLOW)
    bob_dm.click()
    expect(bob.get_by_role("heading", name="alice")).to_be_visible()
    expect(item(bob, "the secret plan")).to_be_visible()
    # ...and alice sees that he has.
    expect(alice.get_by_text("Seen", exact=True)).to_be_visible(timeout=SLOW)

    # The DM's id: the room alice has open (kept per identity in localStorage).
    dm_id = int(
        alice.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('parley:active:'))"
            ".map((k) => localStorage.getItem(k))[0]"
        )
    )

    # carol sees nothing of it: not in her sidebar, not anywhere on her page.
    sidebar(alice).get_by_role("button", name="general").click()
    expect(alice.get_by_role("heading", name="#general")).to_be_visible()
    send(alice, "marker in general")
    expect(item(carol, "marker in general")).to_be_visible()
    expect(dm_section(carol).get_by_role("button", name="alice")).to_have_count(0)
    expect(dm_section(carol).get_by_role("button", name="bob")).to_have_count(0)
    assert "secret plan" not in carol.content()

    # Nor did the host send dave anything about it before the marker.
    for name, payload in events_until(dave, "marker in general"):
        assert "secret plan" not in repr(payload), (name, payload)
        if isinstance(payload, dict):
            assert payload.get("room_id") != dm_id, (name, payload)
            assert not (name == "room_created" and payload.get("id") == dm_id), payload
    dave.close()


def test_group_dm_started_from_the_picker(host: ServerHandle, contexts: Any) -> None:
    alice, bob, carol = (contexts().new_page() for _ in range(3))
    for page, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        join(page, host.url, name)

    dm_section(alice).get_by_role("button", name="New direct message").click()
    dialog = alice.get_by_role("dialog", name="New direct message")
    dialog.get_by_role("checkbox", name="bob").check()
    dialog.get_by_role("checkbox", name="carol").check()
    dialog.get_by_role("button", name="Start group (3)").click()
    expect(alice.get_by_role("heading", name="bob, carol")).to_be_visible()
    send(alice, "team lunch?")

    dm_section(carol).get_by_role("button", name="alice, bob").click()
    expect(item(carol, "team lunch?")).to_be_visible()
    send(carol, "yes")
    expect(item(alice, "yes")).to_be_visible()
    dm_section(bob).get_by_role("button", name="alice, carol").click()
    expect(item(bob, "yes")).to_be_visible()
    # Everyone else has read the last message: alice sees who.
    expect(alice.get_by_text("Seen by bob")).to_be_visible(timeout=SLOW)


def test_reply_edit_delete_and_reactions_are_seen_live(host: ServerHandle, contexts: Any) -> None:
    alice, bob = contexts().new_page(), contexts().new_page()
    join(alice, host.url, "alice")
    join(bob, host.url, "bob")
    send(bob, "shall we ship on friday")
    expect(item(alice, "shall we ship on friday")).to_be_visible()

    # Reply: the composer shows what it answers; the reply carries a quote for bob.
    action(alice, "shall we ship on friday", "Reply").click()
    expect(alice.get_by_role("status").filter(has_text="Replying to bob")).to_be_visible()
    send(alice, "friday works for me")
    quote = item(bob, "friday works for me").get_by_role("button", name="Reply to bob")
    expect(quote).to_contain_text("shall we ship on friday")

    # Edit (from the hover bar): bob sees the new text and "(edited)".
    action(alice, "friday works for me", "Edit").click()
    editor = alice.get_by_role("textbox", name="Edit message")
    editor.fill("friday works, after the demo")
    editor.press("Enter")
    edited = item(bob, "friday works, after the demo")
    expect(edited).to_be_visible()
    expect(edited.get_by_text("(edited)")).to_be_visible()

    # Up arrow in an empty composer edits my last message; Esc cancels.
    alice.get_by_role("textbox", name="Message", exact=True).press("ArrowUp")
    expect(alice.get_by_role("textbox", name="Edit message")).to_have_value(
        "friday works, after the demo"
    )
    alice.get_by_role("textbox", name="Edit message").press("Escape")
    expect(alice.get_by_role("textbox", name="Edit message")).to_have_count(0)

    # Reactions: a quick one from alice, bob adds his by clicking the chip, then one from the
    # picker.
    action(alice, "shall we ship on friday", "React with thumbs").click()
    chip = item(bob, "shall we ship on friday").get_by_role("button", name="reacted by alice")
    expect(chip).to_have_attribute("aria-pressed", "false")
    chip.click()
    both = item(alice, "shall we ship on friday").get_by_role(
        "button", name="thumbs up, 2 people, reacted by you and bob"
    )
    expect(both).to_have_attribute("aria-pressed", "true")
    expect(both).to_have_attribute("title", "you and bob reacted with 👍")
    action(bob, "shall we ship on friday", "Add reaction").click()
    picker = bob.get_by_role("dialog", name="Emoji picker")
    picker.get_by_role("searchbox", name="Search emoji").fill("rocket")
    picker.get_by_role("button", name="rocket").click()
    expect(
        item(alice, "shall we ship on friday").get_by_role(
            "button", name="rocket, 1 person, reacted by bob"
        )
    ).to_be_visible()
    # alice takes her thumbs back.
    both.click()
    expect(
        item(bob, "shall we ship on friday").get_by_role(
            "button", name="thumbs up, 1 person, reacted by you"
        )
    ).to_be_visible()

    # The quote jumps to the original and flashes it.
    item(bob, "after the demo").get_by_role("button", name="Reply to bob").click()
    expect(item(bob, "shall we ship on friday")).to_have_class(re.compile(r"\bflash\b"))

    # Delete asks first; bob sees a tombstone, and the quote says the original is gone.
    action(bob, "shall we ship on friday", "Delete").click()
    bob.get_by_role("dialog", name="Delete message?").get_by_role("button", name="Delete").click()
    expect(alice.locator("article.msg.deleted")).to_contain_text("This message was deleted.")
    expect(alice.get_by_text("Original message was deleted")).to_be_visible()
    expect(alice.get_by_text("shall we ship on friday")).to_have_count(0)


def test_unread_and_mention_badges_survive_a_reload(host: ServerHandle, contexts: Any) -> None:
    alice, bob = contexts().new_page(), contexts().new_page()
    join(alice, host.url, "alice")
    join(bob, host.url, "bob")
    send(alice, "before bob left")
    expect(item(bob, "before bob left")).to_be_visible()

    # bob moves to another room; alice writes in general, mentioning him once.
    bob.get_by_role("button", name="New room").click()
    bob.get_by_label("Room name").fill("side")
    bob.get_by_role("button", name="Create").click()
    expect(bob.get_by_role("heading", name="#side")).to_be_visible()
    send(alice, "one")
    send(alice, "two")
    box = alice.get_by_role("textbox", name="Message", exact=True)
    box.press_sequentially("hey @bo")
    alice.get_by_role("listbox", name="People to mention").get_by_role(
        "option", name="bob"
    ).wait_for()
    box.press("Enter")  # picks bob from the list
    expect(box).to_have_value("hey @bob ")
    box.press_sequentially("look at this")
    box.press("Enter")
    expect(item(alice, "look at this").locator("span.mention")).to_have_text("@bob")

    general = sidebar(bob).get_by_role("button", name="general")
    badge = general.get_by_label("3 unread, 1 mentioning you")
    expect(badge).to_have_text("@1", timeout=SLOW)
    expect(bob).to_have_title("(3) Parley")

    # The marks live on the host: a reload shows the same badges.
    bob.reload()
    expect(
        sidebar(bob)
        .get_by_role("button", name="general")
        .get_by_label("3 unread, 1 mentioning you")
    ).to_be_visible(timeout=SLOW)

    # Opening general: the line sits above what is new, the mention is highlighted for me.
    sidebar(bob).get_by_role("button", name="general").click()
    expect(bob.get_by_role("separator", name="New since you left")).to_be_visible()
    mine = item(bob, "look at this")
    expect(mine).to_have_class(re.compile(r"\bmentions-me\b"))
    expect(mine.locator("span.mention.me")).to_have_text("@bob")
    expect(sidebar(bob).get_by_label("3 unread, 1 mentioning you")).to_have_count(0)
    expect(bob).to_have_title("Parley")

    # Read on the host too: after another reload nothing is unread and there is no line.
    bob.reload()
    expect(item(bob, "look at this")).to_be_visible(timeout=SLOW)
    expect(sidebar(bob).get_by_role("button", name="general").locator(".badge")).to_have_count(0)
    expect(bob.get_by_role("separator", name="New since you left")).to_have_count(0)


def test_screenshots_of_a_busy_room(
    busy_host: ServerHandle, contexts: Any, artifacts: Path
) -> None:
    """Replies, reactions, mentions, edited and deleted messages, light and dark."""
    ana, ben = (Peer(busy_host.url, {"name": n, "code": E2E_CODE}) for n in ("Ana", "Ben"))
    room = ana.room_id()
    pages = [contexts(color_scheme=scheme).new_page() for scheme in ("light", "dark")]
    for page, name in zip(pages, ("Cleo", "Dan"), strict=True):
        join(page, busy_host.url, name)

    first = ana.send(room, "Morning! The **release notes** are in the wiki.", "s-1")
    ben.send(room, "Thanks. Is the `v2` branch frozen?", "s-2")
    reply = ben.call(
        "send_message",
        {"room_id": room, "text": "Great work @Ana", "client_id": "s-3", "reply_to": first["id"]},
    )["message"]
    oops = ana.send(room, "Lunch at 12:30 today, @Cleo and @Dan?", "s-4")
    typo = ben.send(room, "I will bring teh slides", "s-5")
    gone = ana.send(room, "wrong room, sorry", "s-6")
    ben.call("edit_message", {"message_id": typo["id"], "text": "I will bring the slides"})
    for emoji, who in (("👍", ben), ("🎉", ben), ("👍", ana)):
        who.call("react", {"message_id": reply["id"], "emoji": emoji, "on": True})
    ben.call("react", {"message_id": oops["id"], "emoji": "🍕", "on": True})
    ana.call("delete_message", {"message_id": gone["id"]})
    ben.call(
        "send_message",
        {
            "room_id": room,
            "text": "Sure, see you there",
            "client_id": "s-7",
            "reply_to": oops["id"],
        },
    )

    for page, scheme in zip(pages, ("light", "dark"), strict=True):
        expect(item(page, "see you there")).to_be_visible(timeout=SLOW)
        expect(page.locator("article.msg.deleted")).to_have_count(1)
        item(page, "Great work").hover()
        page.screenshot(path=artifacts / f"rich-room-{scheme}.png")
    ana.close()
    ben.close()


def test_changes_made_while_away_are_resynced_without_a_reload(
    host_process: HostProcess, contexts: Any
) -> None:
    """bob's page stays open but loses the host (offline, and the host restarts meanwhile);
    alice edits, deletes and reacts; when bob's page reconnects it asks for the changes it
    missed (fetch_changes) and shows them — no reload, no refetch of history."""
    bob_context = contexts()
    bob = bob_context.new_page()
    join(bob, host_process.url, "bob")
    alice = Peer(host_process.url, {"name": "alice", "code": E2E_CODE})
    general = alice.room_id()
    kept = alice.send(general, "plan A: meet at noon", "a-1")
    doomed = alice.send(general, "plan B: skip lunch", "a-2")
    liked = alice.send(general, "plan C: pizza", "a-3")
    expect(item(bob, "plan C: pizza")).to_be_visible(timeout=SLOW)
    token = alice.token
    alice.close()

    bob_context.set_offline(True)  # bob's reconnect attempts fail from here on
    host_process.stop()
    host_process.start()
    alice = Peer(host_process.url, {"token": token})
    try:
        assert alice.call(
            "edit_message", {"message_id": kept["id"], "text": "plan A: meet at one"}
        )["ok"]
        assert alice.call("delete_message", {"message_id": doomed["id"]})["ok"]
        assert alice.call("react", {"message_id": liked["id"], "emoji": "🍕", "on": True})["ok"]
    finally:
        alice.close()
    expect(item(bob, "plan A: meet at noon")).to_be_visible()  # still the old view

    bob_context.set_offline(False)
    edited = item(bob, "plan A: meet at one")
    expect(edited).to_be_visible(timeout=SLOW)
    expect(edited.get_by_text("(edited)")).to_be_visible()
    expect(bob.get_by_text("plan B: skip lunch")).to_have_count(0)
    expect(bob.locator("article.msg.deleted")).to_contain_text("This message was deleted.")
    expect(
        item(bob, "plan C: pizza").get_by_role("button", name=re.compile(r"reacted by alice"))
    ).to_be_visible()
