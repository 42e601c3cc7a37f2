"""Plain rules: decoding fields, names, rate limits, settings parsing, secret files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from backend import Settings, fields, secrets_store
from backend.chat.names import display_name
from backend.commands import decode_auth
from backend.errors import Invalid, TooLarge
from backend.netinfo import split_host
from backend.ratelimit import GuessLimit, TokenBuckets


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_burst_then_refills() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("u") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("u") == pytest.approx(0.5)
    clock.now += 0.5
    assert buckets.take("u") == 0
    assert buckets.take("other") == 0  # buckets are per key


def test_guess_limit_is_per_key_and_escalates() -> None:
    clock = Clock()
    limit = GuessLimit(per_window=2, window=60, max_lockout=600, clock=clock)
    limit.record("a")
    assert limit.retry_after("a") == 0
    limit.record("a")
    assert limit.retry_after("a") == pytest.approx(60)  # locked a window's length
    assert limit.retry_after("b") == 0  # nobody else is: there is no total across keys
    clock.now += 61
    limit.record("a")
    limit.record("a")
    assert limit.retry_after("a") == pytest.approx(120)  # again: twice as long
    clock.now += 121
    for _ in range(6):  # keeps doubling, up to the cap
        limit.record("a")
        limit.record("a")
        wait = limit.retry_after("a")
        clock.now += wait + 1
    assert wait == pytest.approx(600)
    limit.record("a")
    limit.record("a")
    assert limit.retry_after("a") == pytest.approx(600)  # serving a lockout out buys nothing
    clock.now += 600 + 601  # quiet for the longest lockout after it ended: a clean slate
    limit.record("a")
    limit.record("a")
    assert limit.retry_after("a") == pytest.approx(60)


def test_guess_limit_keeps_a_bounded_number_of_keys() -> None:
    clock = Clock()
    limit = GuessLimit(per_window=1, window=60, max_lockout=600, max_keys=100, clock=clock)
    for n in range(1_000):
        limit.record(n)
    assert limit.retry_after(999) > 0 and limit.retry_after(0) == 0  # the oldest were dropped


@pytest.mark.parametrize(
    "args",
    [(), ("text",), ({"a": 1}, {"b": 2}), ([1, 2],), (None,)],
)
def test_payload_must_be_one_object(args: tuple[object, ...]) -> None:
    with pytest.raises(Invalid):
        fields.payload(args, 1024)


def test_payload_size_and_binary() -> None:
    assert fields.payload(({"x": "é" * 100},), 1024) == {"x": "é" * 100}
    with pytest.raises(TooLarge):
        fields.payload(({"x": "é" * 600},), 1024)  # 1,200 bytes in UTF-8
    with pytest.raises(Invalid, match="binary"):
        fields.payload(({"x": b"\x00"},), 1024)


@pytest.mark.parametrize("value", [None, "1", 1.5, True, 0, -3, 2**60])
def test_room_id_rejects(value: object) -> None:
    with pytest.raises(Invalid):
        fields.room_id({"room_id": value})


def test_text_rules() -> None:
    assert fields.text({"text": "  indented\n  code  \n"}, 100) == "  indented\n  code"
    with pytest.raises(Invalid):
        fields.text({"text": " \n\t"}, 10)
    with pytest.raises(TooLarge):
        fields.text({"text": "x" * 11}, 10)
    with pytest.raises(Invalid):
        fields.text({"text": 5}, 10)


def test_display_names() -> None:
    assert display_name("  Ana   María ") == ("Ana María", "ana maría")
    assert display_name("ＡＮＡ")[1] == display_name("ana")[1]  # width folded
    assert display_name("tab\tname")[0] == "tab name"  # whitespace is folded, not refused
    for bad in ("", "   ", "x" * 33, "a\u200bb", "bell\x07"):
        with pytest.raises(Invalid):
            display_name(bad)
    with pytest.raises(Invalid):  # not a string at all: refused as it arrives
        decode_auth({"name": 7, "code": "12345678"})


def test_room_names() -> None:
    assert fields.room_name(" Team Lunch ") == "team-lunch"
    for bad in ("", "a/b", "x" * 33, "<script>", None):
        with pytest.raises(Invalid):
            fields.room_name(bad)


def test_client_ids() -> None:
    assert fields.client_id({"client_id": "3f2a-9b:x.y_z"}) == "3f2a-9b:x.y_z"
    for bad in ("", "x" * 65, "a b", None, 12):
        with pytest.raises(Invalid):
            fields.client_id({"client_id": bad})


def test_settings_from_env_and_overrides(tmp_path: Path) -> None:
    env = {
        "PARLEY_PORT": "9000",
        "PARLEY_OPEN": "yes",
        "PARLEY_DISCOVERY": "0",
        "PARLEY_DATA_DIR": str(tmp_path),
        "PARLEY_SEND_RATE": "2.5",
        "PARLEY_ALLOWED_HOSTS": "chat.lan, box.lan",
    }
    s = Settings.from_env(env, port=9001)
    assert (s.port, s.open, s.discovery, s.data_dir) == (9001, True, False, tmp_path)
    assert s.send_rate == 2.5 and s.allowed_hosts == ("chat.lan", "box.lan")


@pytest.mark.parametrize(
    "env",
    [
        {"PARLEY_PORT": "eighty"},
        {"PARLEY_OPEN": "maybe"},
        {"PARLEY_PORT": "70000"},
        {"PARLEY_JOIN_CODE": "12"},
        {"PARLEY_SYNCHRONOUS": "off"},
    ],
)
def test_settings_reject_bad_values(env: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        Settings.from_env(env)


def test_secret_files_are_private_and_stable(tmp_path: Path) -> None:
    key = secrets_store.secret_key(tmp_path)
    assert len(key) == 64 and secrets_store.secret_key(tmp_path) == key
    mode = stat.S_IMODE((tmp_path / secrets_store.SECRET_KEY_FILE).stat().st_mode)
    assert mode == 0o600
    host_id = secrets_store.host_id(tmp_path)
    assert len(host_id) == 16 and secrets_store.host_id(tmp_path) == host_id


def test_split_host() -> None:
    assert split_host("[::1]:8080") == ("::1", 8080)
    assert split_host("example.lan") == ("example.lan", None)
    assert split_host("10.0.0.1:80") == ("10.0.0.1", 80)
