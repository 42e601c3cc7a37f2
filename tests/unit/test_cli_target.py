"""``parley join``'s target: an invite link's code and key fingerprint, https unless http:// is
written out, and a damaged fingerprint refused rather than read as "none" (a first use)."""

from __future__ import annotations

import pytest

from desktop.cli.client import Failure, parse_target

FP = "LH7ZBFAZSWTED2LVG74MDBRJRV6EHPL3WGM7CITU52QCNINRKB2Q"


def test_invite_link_carries_code_and_fingerprint() -> None:
    target = parse_target(f"https://192.168.1.20:7275/#code=4815162342&fp={FP}")
    assert target == ("https://192.168.1.20:7275/", "4815162342", FP)


def test_fingerprint_in_groups_and_lower_case_is_the_same_key() -> None:
    grouped = " ".join(FP[i : i + 4] for i in range(0, len(FP), 4)).lower()
    assert parse_target(f"https://h:1/#fp={grouped}").fingerprint == FP


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("192.168.1.20", "https://192.168.1.20:7275/"),
        ("192.168.1.20:8000", "https://192.168.1.20:8000/"),
        ("http://192.168.1.20", "http://192.168.1.20:7275/"),
        ("https://parley.example.org", "https://parley.example.org/"),
    ],
)
def test_addresses_are_https_unless_http_is_written(text: str, url: str) -> None:
    assert parse_target(text) == (url, None, None)


def test_a_damaged_fingerprint_is_refused() -> None:
    with pytest.raises(Failure) as caught:
        parse_target(f"https://h:1/#code=1&fp={FP[:-3]}")
    assert caught.value.code == "bad_fingerprint"
