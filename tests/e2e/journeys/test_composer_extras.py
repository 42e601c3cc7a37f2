"""The composer's extras, as a person uses them: `:shortcode:` emoji picked by keyboard and by
mouse, a fenced code block shown highlighted with its Copy button, a `www.` address turned into a
safe link, and the length counter as a message nears the host's limit."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.journeys.conftest import Journey, audit, join_as, press


def test_composer_extras(host: Any, people: Any, journey: Journey) -> None:
    ada, bo = people(), people()
    join_as(ada, host.url, "Ada")
    join_as(bo, host.url, "Bo")
    box = ada.get_by_role("textbox", name="Message", exact=True)

    # Keyboard: `:tad` offers 🎉; ↓/↑ move, Enter picks.
    press(box)
    box.type("release done :tad")
    emoji = ada.get_by_role("listbox", name="Emoji")
    expect(emoji.get_by_role("option", name=":tada:")).to_be_visible()
    journey.shot(ada, "shortcode suggestions")
    audit(ada)
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(emoji.get_by_role("option", name=":tada:")).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(emoji).to_have_count(0)
    expect(box).to_have_value("release done 🎉 ")

    # Escape closes the list without picking.
    box.type(":rock")
    expect(emoji).to_be_visible()
    box.press("Escape")
    expect(emoji).to_have_count(0)
    expect(box).to_have_value("release done 🎉 :rock")
    box.press("Backspace")
    box.press("Backspace")
    box.press("Backspace")
    box.press("Backspace")
    box.press("Backspace")

    # Mouse: `:thumbs` then click the 👍 option.
    box.type("thanks :thumbsu")
    press(emoji.get_by_role("option", name=":thumbsup:"))
    expect(box).to_have_value("release done 🎉 thanks 👍 ")
    box.type("notes at www.example.com")
    box.press("Enter")

    said = bo.locator("article.msg").filter(has_text="release done 🎉 thanks 👍")
    expect(said).to_be_visible()
    link = said.get_by_role("link", name="www.example.com")
    expect(link).to_have_attribute("href", "http://www.example.com")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    journey.shot(bo, "emoji and autolink arrive")

    # A fenced code block: highlighted, with a Copy button that copies it.
    press(box)
    box.type("```python")
    box.press("Shift+Enter")
    box.type("def greet(name):")
    box.press("Shift+Enter")
    box.type("    return f'hi {name}'  # friendly")
    box.press("Shift+Enter")
    box.type("```")
    box.press("Enter")
    block = bo.locator("article.msg").filter(has_text="def greet(name):").locator(".code-block")
    expect(block.locator("code .hljs-keyword").first).to_have_text("def")
    expect(block.locator("code .hljs-comment")).to_have_text("# friendly")
    copy = block.get_by_role("button", name="Copy code")
    journey.shot(bo, "code block")
    audit(bo)
    press(copy)
    expect(copy).to_have_text("Copied")

    # The counter appears near the limit (4,000 code points; an emoji counts once).
    press(box)
    box.fill("🎉" * 3599)
    expect(ada.get_by_text("characters left")).to_have_count(0)
    box.press("End")
    box.type("!")
    expect(ada.get_by_text("400 characters left")).to_be_visible()
    journey.shot(ada, "length counter")
