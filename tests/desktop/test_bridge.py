"""The js_api: the real window's page reaches it through the host's strict CSP, and a page from any
other origin is refused; plus the checks on their own."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
import time
from urllib.parse import urlsplit

import pytest

from desktop.bridge import Bridge, normalise_host_address, sign_in_fragment
from tests.desktop.conftest import SOURCE_CMD, STANDIN_UI

FOREIGN_PAGE = b"""<!doctype html><title>Parley</title><script>
function report(what) { fetch('/result?' + what); }
function go() {
  window.pywebview.api.set_unread(9).then(
    function () { report('allowed'); },
    function (e) { report('refused=' + encodeURIComponent(e.name || String(e))); });
}
if (window.pywebview && window.pywebview.api && window.pywebview.api.set_unread) go();
else window.addEventListener('pywebviewready', go);
</script>"""


class _Foreign(http.server.BaseHTTPRequestHandler):
    results: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        if parts.path == "/result":
            self.results.append(parts.query)
        body, kind = FOREIGN_PAGE, "text/html"
        if parts.path == "/api/info":  # join_host goes only to what answers as a Parley host
            body = json.dumps({"name": "Foreign", "version": "0", "host_id": "f"}).encode()
            kind = "application/json"
        elif parts.path != "/":
            body = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.desktop
def test_js_api_works_for_the_host_page_and_refuses_a_foreign_one(launch, xvfb, tmp_path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Foreign)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ui = tmp_path / "ui"
    shutil.copytree(STANDIN_UI, ui)
    # http:// written out: an address without a scheme is https now, and this page is plain.
    foreign = f"http://127.0.0.1:{server.server_port}"
    (ui / "probe.json").write_text(json.dumps({"foreign": foreign}))
    try:
        app = launch(SOURCE_CMD, xvfb, ui)
        wid = app.window_id(xvfb)
        deadline = time.monotonic() + 30
        # The host's own page: desktop_info() resolved (through the CSP) and set_unread(7) ran.
        # Then it navigates to the foreign page, whose set_unread(9) must be refused.
        seen_seven = False
        while not _Foreign.results and time.monotonic() < deadline:
            seen_seven = seen_seven or app.window_title(xvfb, wid) == "(7) Parley"
            time.sleep(0.1)
        title = app.window_title(xvfb, wid)
        assert seen_seven or "(7) Parley" in title, f"title {title!r}; app said:\n{app.output}"
        assert _Foreign.results == ["refused=PermissionError"], _Foreign.results
        assert app.window_title(xvfb, wid) == "(7) Parley"
        assert app.says("js_api set_unread refused for page http://127.0.0.1:")
        app.close_window(xvfb)
        assert app.wait() == 0
    finally:
        server.shutdown()


class _FakeWindow:
    def __init__(self, url: str | None) -> None:
        self.url, self.titles = url, []

    def get_current_url(self) -> str | None:
        return self.url

    def set_title(self, title: str) -> None:
        self.titles.append(title)


def _bridge(
    url: str | None, opened: list[str] | None = None, shown: list[tuple] | None = None
) -> tuple[Bridge, _FakeWindow]:
    window = _FakeWindow(url)
    bridge = Bridge(
        "http://127.0.0.1:4000/",
        window,
        lambda t, b, r: (shown if shown is not None else []).append((t, b, r)) is None,
        "dbus",
        open_browser=(opened if opened is not None else []).append,
    )
    return bridge, window


def test_notify_carries_the_room_and_refuses_what_is_not_a_room_id() -> None:
    shown: list[tuple] = []
    api = _bridge("http://127.0.0.1:4000/#general", shown=shown)[0].api()
    assert api.notify("bob in #random", "hi", 2) is True
    assert api.notify("bob", "no room") is True
    for bad in (-1, 1.5, "2", True, 2**53, [2]):
        with pytest.raises(ValueError):
            api.notify("t", "b", bad)
    assert shown == [("bob in #random", "hi", 2), ("bob", "no room", None)]


@pytest.mark.parametrize(
    "url",
    [
        None,
        "about:blank",
        "http://localhost:4000/",
        "http://127.0.0.1:4001/",
        "https://127.0.0.1:4000/",
        "http://192.168.1.9:4000/",
        "file:///tmp/x.html",
    ],
)
def test_every_call_is_refused_off_the_host_page(url: str | None) -> None:
    api = _bridge(url)[0].api()
    for call in (
        lambda: api.notify("t", "b"),
        lambda: api.set_unread(1),
        lambda: api.open_external("https://example.org/"),
        lambda: api.desktop_info(),
        lambda: api.join_host("10.0.0.2"),
    ):
        with pytest.raises(PermissionError):
            call()


def test_open_external_only_for_http_and_https() -> None:
    opened: list[str] = []
    api = _bridge("http://127.0.0.1:4000/#/room/1", opened)[0].api()
    assert api.open_external("https://example.org/a?b=c") is True
    for bad in (
        "file:///etc/passwd",
        "javascript:alert(1)",
        "mailto:x@y",
        "ftp://h/",
        "http://",
        3,
    ):
        with pytest.raises(ValueError):
            api.open_external(bad)
    assert opened == ["https://example.org/a?b=c"]


def test_set_unread_sets_the_window_title() -> None:
    bridge, window = _bridge("http://127.0.0.1:4000/")
    api = bridge.api()
    api.set_unread(3)
    api.set_unread(0)
    with pytest.raises(ValueError):
        api.set_unread(-1)
    assert window.titles == ["(3) Parley", "Parley"]


def test_api_exposes_nothing_but_its_functions() -> None:
    """pywebview resolves dotted names with getattr (util.get_nested_attribute): no path from the
    api object may reach the bridge, the window or a module's globals."""
    api = _bridge("http://127.0.0.1:4000/")[0].api()
    assert dir(api) == [
        "desktop_info",
        "join_host",
        "notify",
        "open_external",
        "set_unread",
    ]
    for name in ("_functions", "__class__", "__dict__", "__getattribute__", "_window"):
        assert getattr(api, name, None) is None
    assert api.notify.__globals__ == {"__builtins__": {}}
    assert not hasattr(api.notify, "__self__")


@pytest.mark.parametrize(
    ("text", "url"),
    [
        # Hosts speak TLS by default: an address without a scheme is https.
        ("192.168.1.20", "https://192.168.1.20:7275/"),
        ("192.168.1.20:8000", "https://192.168.1.20:8000/"),
        (" http://laptop.local:7275/#/room/2 ", "http://laptop.local:7275/"),
        ("https://h", "https://h:443/"),
        ("[fe80::1]:7275", "https://[fe80::1]:7275/"),
    ],
)
def test_join_host_addresses(text: str, url: str) -> None:
    assert normalise_host_address(text) == url


@pytest.mark.parametrize("text", ["", "ftp://h", "http://u:p@h/", "a b", "h:99999", None])
def test_join_host_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        normalise_host_address(text)


def test_no_home_yet_refuses_everything_until_set_home() -> None:
    """The window opens on a blank page while the host starts: no home URL, no native calls."""
    window = _FakeWindow("http://127.0.0.1:4000/")
    bridge = Bridge(None, window, lambda t, b: True, "dbus")
    api = bridge.api()
    with pytest.raises(PermissionError):
        api.desktop_info()
    bridge.set_home("http://127.0.0.1:4000/")
    assert api.desktop_info()["notifications"] == "dbus"


def test_a_pasted_sign_in_link_signs_the_window_in() -> None:
    """Joining by a sign-in link (issue 15): the page opens the host with its secret in the
    fragment only (the page had it); nothing else answered carries it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Foreign)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        bridge, window = _bridge("http://127.0.0.1:4000/")
        link = f"http://127.0.0.1:{server.server_port}/#signin=s3cr3t-Key_1"
        answer = bridge.api().join_host(link)
        assert answer["ok"], answer
        assert answer["open"] == f"http://127.0.0.1:{server.server_port}/#signin=s3cr3t-Key_1"
        assert "s3cr3t" not in json.dumps({k: v for k, v in answer.items() if k != "open"})
    finally:
        server.shutdown()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("http://10.0.0.2:7275/#signin=abc", "#signin=abc"),
        ("10.0.0.2:7275/#signin=a%2Bb", "#signin=a%2Bb"),
        ("http://10.0.0.2:7275/#code=123456", ""),
        ("http://10.0.0.2:7275/", ""),
        ("http://10.0.0.2:7275/#signin=" + "x" * 201, ""),
        (["http://10.0.0.2/#signin=abc"], ""),
    ],
)
def test_sign_in_fragment(text: object, fragment: str) -> None:
    assert sign_in_fragment(text) == fragment
