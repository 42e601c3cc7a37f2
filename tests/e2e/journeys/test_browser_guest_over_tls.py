"""A browser guest on the LAN, over TLS: chromium trusting exactly the host's key
(``--ignore-certificate-errors-spki-list``, which is what accepting the browser's one-time warning
amounts to) opens the host's https:// invite link, sees the fingerprint on the join screen (the same
as in the link), joins and chats over wss:// with a second guest; a link naming another key stops
the guest before anything is sent.

The host is reached at https://127.0.0.1 (TLS from loopback is served as TLS, as from the LAN), so
the page, its requests and its websocket are exactly a LAN guest's."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from playwright.sync_api import expect

from backend import ServerHandle, Settings, fingerprint_groups, start_server
from tests.conftest import FASTPATH
from tests.e2e.conftest import CHROMIUM_ARGS, E2E_CODE, UI_DIST, chromium_path
from tests.e2e.journeys.conftest import (
    JOIN_TIMEOUT_MS,
    Journey,
    View,
    audit,
    person_page,
    press,
)

# Another key's fingerprint (SHA-256 of nothing that is a key): what an impostor's link would say.
OTHER_FP = base64.b32encode(hashlib.sha256(b"someone else").digest()).decode().rstrip("=")


def spki_b64(cert_file: Path) -> str:
    """chromium's spki-list value, computed here from the certificate file."""
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


@pytest.fixture(scope="module")
def tls_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    """One host for the module's views: its key is the one the module's browser trusts."""
    settings = Settings(
        host="127.0.0.1",
        port=0,
        data_dir=tmp_path_factory.mktemp("tls-host") / "data",
        name="Studio",
        join_code=E2E_CODE,
        discovery=False,
        fastpath=FASTPATH,
        testing=True,
        ui_dist=UI_DIST,
    )
    handle = start_server(settings)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def guest_browser(playwright: Any, tls_host: ServerHandle) -> Iterator[Any]:
    """A chromium that has "accepted the warning" for this host's key, and only for it."""
    spki = spki_b64(tls_host.settings.data_dir / "tls-cert.pem")
    browser = playwright.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[*CHROMIUM_ARGS, f"--ignore-certificate-errors-spki-list={spki}"],
    )
    yield browser
    browser.close()


@pytest.fixture
def guests(guest_browser: Any, view: View) -> Iterator[Callable[[], Any]]:
    made: list[Any] = []

    def contexts(**options: Any) -> Any:
        ctx = guest_browser.new_context(**options)
        made.append(ctx)
        return ctx

    yield lambda: person_page(
        contexts,
        viewport={"width": view.width, "height": view.height},
        color_scheme=view.scheme,
        has_touch=view.phone,
    )
    for ctx in made:
        ctx.close()


def https_url(handle: ServerHandle) -> str:
    return f"https://127.0.0.1:{handle.port}/"


def test_browser_guest_over_tls(
    tls_host: ServerHandle, guests: Callable[[], Any], journey: Journey, view: View
) -> None:
    fingerprint = tls_host.fingerprint
    assert fingerprint is not None
    ines = guests()
    sockets: list[str] = []
    ines.on("websocket", lambda ws: sockets.append(ws.url))
    ines.goto(f"{https_url(tls_host)}#code={E2E_CODE}&fp={fingerprint}")
    assert ines.url.startswith("https://")
    # The join screen: why the browser warned, the host's fingerprint, and that the link agrees.
    shown = ines.get_by_label("Fingerprint of this host")
    expect(shown).to_have_text(fingerprint_groups(fingerprint))
    expect(ines.get_by_text("Your browser said the connection is not private")).to_be_visible()
    expect(ines.get_by_text("The same as in your invite link.")).to_be_visible()
    expect(ines.get_by_role("button", name="Not encrypted")).to_have_count(0)
    journey.shot(ines, "join screen with the fingerprint")
    audit(ines)

    name_box = ines.get_by_label("Your name")
    press(name_box)
    name_box.fill(f"Ines {view.name}")
    expect(ines.get_by_label("Join code")).to_have_value(E2E_CODE)
    press(ines.get_by_role("button", name="Join"))
    box = ines.get_by_role("textbox", name="Message", exact=True)
    expect(box).to_be_visible(timeout=JOIN_TIMEOUT_MS)
    # The code and the fingerprint left the address bar once read.
    assert "#" not in ines.url

    # A second guest types the address and the code (no link): the same fingerprint to compare.
    omar = guests()
    omar.on("websocket", lambda ws: sockets.append(ws.url))
    omar.goto(https_url(tls_host))
    expect(omar.get_by_label("Fingerprint of this host")).to_have_text(
        fingerprint_groups(fingerprint)
    )
    press(omar.get_by_label("Your name"))
    omar.get_by_label("Your name").fill(f"Omar {view.name}")
    press(omar.get_by_label("Join code"))
    omar.get_by_label("Join code").fill(E2E_CODE)
    press(omar.get_by_role("button", name="Join"))
    expect(omar.get_by_role("textbox", name="Message", exact=True)).to_be_visible(
        timeout=JOIN_TIMEOUT_MS
    )

    text = f"over wss in {view.name}"
    press(box)
    box.type(text)
    ines.keyboard.press("Enter")
    expect(omar.get_by_text(text)).to_be_visible(timeout=JOIN_TIMEOUT_MS)
    journey.shot(omar, "the other guest reads it")
    assert sockets and all(url.startswith("wss://") for url in sockets), sockets


def test_invite_link_for_another_key_stops_the_guest(
    tls_host: ServerHandle, guests: Callable[[], Any], journey: Journey
) -> None:
    page = guests()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"{https_url(tls_host)}#code={E2E_CODE}&fp={OTHER_FP}")
    stop = page.get_by_role("alert")
    expect(stop).to_contain_text("Stop: this is not the host that invited you")
    expect(page.get_by_label("Fingerprint in the invite link")).to_have_text(
        fingerprint_groups(OTHER_FP)
    )
    assert tls_host.fingerprint is not None
    expect(page.get_by_label("Fingerprint of this host")).to_have_text(
        fingerprint_groups(tls_host.fingerprint)
    )
    # Nothing to type a name or a code into, nothing sent.
    expect(page.get_by_label("Your name")).to_have_count(0)
    expect(page.get_by_role("button", name="Join")).to_have_count(0)
    journey.shot(page, "stop warning")
    audit(page)
    assert sockets == []
