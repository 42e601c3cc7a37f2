"""The self-check over TLS: the host's own https URL answers (its certificate is its own, so the
check compares the key instead of a chain), and a URL presenting another key does not count."""

from __future__ import annotations

import json
import urllib.request

from backend import ServerHandle
from backend.netinfo import answers


def test_selfcheck_says_its_own_https_url_answers(live_server: ServerHandle) -> None:
    with urllib.request.urlopen(live_server.url + "api/selfcheck", timeout=10) as resp:
        check = json.load(resp)
    (address,) = check["addresses"]
    assert address["url"] == f"https://127.0.0.1:{live_server.port}/"
    assert address["answers"] is True


def test_another_key_is_not_this_host_answering(live_server: ServerHandle) -> None:
    url = f"https://127.0.0.1:{live_server.port}/"
    assert answers(url, fingerprint=live_server.fingerprint)
    assert not answers(url, fingerprint="A" * 52)
