"""Journeys: the UI driven only as a person can (the first-hour issue).

Rules every journey keeps (they are the point of this layer):

- Only Playwright's real ``click()``, ``hover()``, ``fill()``/``type()`` and keyboard, with its
  actionability checks. Never ``force=True``, ``dispatch_event`` or ``evaluate`` to drive the UI:
  an element another one covers is a UI bug ("intercepts pointer events" must fail the test).
- A person does not scroll to what they click: ``press(locator)`` asserts the element is in the
  viewport first, then clicks it.
- Every journey runs at 1440 px and 390 px, light and dark (the ``view`` fixture), saves a
  screenshot of each step under ``test-artifacts/journeys/<journey>/<view>/``, and checks the page
  with axe-core (no serious or critical violation) where it says ``audit(page)``. axe is loaded
  into every person's context before the page's own scripts (an init script, as a browser
  extension would be); ``audit`` only reads its findings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, E2E_CODE, REPO

AXE = REPO / "ui" / "node_modules" / "axe-core" / "axe.min.js"
# Generous for a cold chromium on a loaded 2-core CI machine; every wait is bounded by these.
JOIN_TIMEOUT_MS = 15_000
STEP_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class View:
    name: str  # e.g. "1440-light"
    width: int
    height: int
    scheme: str  # "light" | "dark"

    @property
    def phone(self) -> bool:
        return self.width < 720


VIEWS = [
    View("1440-light", 1440, 900, "light"),
    View("1440-dark", 1440, 900, "dark"),
    View("390-light", 390, 844, "light"),
    View("390-dark", 390, 844, "dark"),
]


@pytest.fixture(params=VIEWS, ids=lambda v: v.name)
def view(request: pytest.FixtureRequest) -> View:
    return request.param  # type: ignore[no-any-return]


@dataclass
class Journey:
    """Screenshots of one journey in one view, numbered in the order the steps happen."""

    name: str
    view: View
    folder: Path
    steps: list[str] = field(default_factory=list)

    def shot(self, page: Any, step: str) -> Path:
        self.steps.append(step)
        slug = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{len(self.steps):02d}-{slug}.png"
        page.screenshot(path=str(path))
        return path


@pytest.fixture
def journey(request: pytest.FixtureRequest, view: View) -> Journey:
    name = request.node.originalname.removeprefix("test_")
    folder = ARTIFACTS / "journeys" / name / view.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return Journey(name, view, folder)


def person_page(contexts: Callable[..., Any], **options: Any) -> Any:
    """A page in a browser context of its own, with axe-core loaded before the app's scripts (the
    page's CSP, script-src 'self', rightly refuses an injected <script>; an init script is not one)."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing from ui/node_modules: run `make ui`.")
    ctx = contexts(**options)
    ctx.add_init_script(path=str(AXE))
    return ctx.new_page()


@pytest.fixture
def people(contexts: Callable[..., Any], view: View) -> Callable[..., Any]:
    """A new person's page (their own browser context) in the journey's view."""

    def _new() -> Any:
        return person_page(
            contexts,
            viewport={"width": view.width, "height": view.height},
            color_scheme=view.scheme,
            has_touch=view.phone,
        )

    return _new


def press(locator: Any) -> None:
    """Click as a person: the element is on screen (a person does not scroll to find it), then a
    real click with Playwright's actionability checks (visible, stable, enabled, not covered)."""
    expect(locator).to_be_in_viewport(timeout=STEP_TIMEOUT_MS)
    locator.click(timeout=STEP_TIMEOUT_MS)


def join_as(page: Any, url: str, name: str, code: str | None = E2E_CODE) -> None:
    """Open ``url`` and join as ``name`` through the join screen, typing like a person."""
    page.goto(url)
    name_box = page.get_by_label("Your name")
    press(name_box)
    name_box.fill(name)
    if code is not None:
        code_box = page.get_by_label("Join code")
        press(code_box)
        code_box.fill(code)
    press(page.get_by_role("button", name="Join"))
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible(
        timeout=JOIN_TIMEOUT_MS
    )


def audit(page: Any, *, exclude: tuple[str, ...] = ()) -> None:
    """axe-core over the page as it stands: no serious or critical violation."""
    # Reads the page: axe was loaded with the context (person_page), nothing here acts on the UI.
    result = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? { exclude: exclude.map((s) => [s]) } : document;
            const r = await window.axe.run(context, { resultTypes: ['violations'] });
            return r.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
            }));
        }""",
        list(exclude),
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, "axe-core: " + json.dumps(bad, indent=1, ensure_ascii=False)


@pytest.fixture
def owner(host: Any, people: Callable[..., Any]) -> Iterator[Any]:
    """The person at the host (its own window's URL carries the owner key)."""
    page = people()
    page.goto(host.owner_url)
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible(
        timeout=JOIN_TIMEOUT_MS
    )
    yield page
