"""The window trusts exactly the certificate of a host it pinned, and nothing else (WebKitGTK).

pywebview's ``ssl=True`` trusts only its own loopback server, and its IGNORE_SSL_ERRORS would trust
anyone. Another Parley host's certificate is its own (self-signed), so WebKit refuses it and says so
with ``load-failed-with-tls-errors``, handing over the certificate. Here that certificate's key is
compared with the key ``join_host`` pinned for the address (pins.py): the same key → WebKit is told
to accept exactly this certificate for that host (``allow_tls_certificate_for_host``) and the page
is loaded again; from then on the page's requests and its wss:// connection use it. Another key,
or an address nothing was pinned for → a warning page, never the remote UI.

Why not a loopback proxy: the page's origin would become 127.0.0.1 (the other host's origin check
and the UI's idea of where it is would both be wrong), and every byte would pass through Python.
"""

from __future__ import annotations

import html
import logging
import urllib.parse
from typing import Any

from backend import fingerprint_groups, fingerprint_of_der

from .pins import Pins

log = logging.getLogger(__name__)


def install(window: Any, pins: Pins) -> None:
    """Connect the handler to ``window``'s web view once GTK made it (GTK's thread)."""

    def hook() -> None:
        from gi.repository import GLib
        from webview.platforms.gtk import BrowserView

        def connect() -> bool:
            view = BrowserView.instances[window.uid].webview
            view.connect("load-failed-with-tls-errors", lambda *a: on_tls_error(pins, *a))
            return False

        GLib.idle_add(connect)

    window.events.before_show += hook


def on_tls_error(pins: Pins, view: Any, uri: str, certificate: Any, errors: Any) -> bool:
    """WebKit's ``load-failed-with-tls-errors``; True: handled (no WebKit error page)."""
    parts = urllib.parse.urlsplit(uri)
    address = parts.netloc
    try:
        presented = fingerprint_of_der(_der(certificate))
    except Exception:  # no certificate, or one that does not parse: nothing to compare
        log.warning("window: %s presented no readable certificate", address)
        view.load_html(warning_page(address, None, None), None)
        return True
    pinned = pins.for_address(address)
    if pinned is not None and pinned == presented:
        log.info("window: %s presented its pinned key; accepting its certificate", address)
        view.get_context().allow_tls_certificate_for_host(certificate, parts.hostname or "")
        view.load_uri(uri)
        return True
    log.warning(
        "window: %s presented key %s, pinned %s: not loaded", address, presented, pinned or "none"
    )
    view.load_html(warning_page(address, pinned, presented), None)
    return True


def _der(certificate: Any) -> bytes:
    raw = certificate.get_property("certificate")  # GByteArray: bytes in PyGObject
    return bytes(raw if not hasattr(raw, "get_data") else raw.get_data())


def warning_page(address: str, pinned: str | None, presented: str | None) -> str:
    """What the window shows instead of a host whose key it cannot vouch for."""
    where = html.escape(address)
    if pinned is not None and presented is not None:
        title = "This host's key has changed"
        body = (
            f"<p><b>{where}</b> presented a different key than the one this computer trusts for "
            "it. Someone on the network may be intercepting the connection, or the host was "
            "reinstalled.</p>"
            f"<p>Trusted: <code>{fingerprint_groups(pinned)}</code><br>"
            f"Presented: <code>{fingerprint_groups(presented)}</code></p>"
            "<p>Nothing was sent to it. If the host really was reinstalled, ask its owner for its "
            "new invite link and join with that.</p>"
        )
    else:
        title = "Not a host this computer has checked"
        body = (
            f"<p>The certificate of <b>{where}</b> is not one this computer has checked"
            + (f" (its key: <code>{fingerprint_groups(presented)}</code>)" if presented else "")
            + ". Join hosts from the start screen (menu: Join another host…), which checks "
            "their key first.</p>"
        )
    return (
        "<!doctype html><meta charset='utf-8'><meta name='color-scheme' content='light dark'>"
        "<title>Parley</title><body style='font-family:sans-serif;padding:1.5em;max-width:48em'>"
        f"<h2>{title}</h2>{body}<p>Menu: My chat goes back to this computer's own chat.</p></body>"
    )
