"""The webhook endpoint under fuzzing, from outside (issue 18 with the hostile-peer invariants):
``POST /api/hooks/<id>/<secret>`` with every method, path, header and body a script or a page could
send, right and wrong secrets mixed, to a real host process.

Every answer is the one HTTP error shape with a documented status, or 200 with the posted message
for a request that was right in every way; what the webhook posted is exactly the messages those
200s name (nothing else stored); afterwards the host still serves a new client and the messages
written before are unchanged (``Target.assert_unharmed``). Bounded: a few hundred requests, seconds.
"""

from __future__ import annotations

import json
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from backend.chat.names import name_key
from backend.chat.sessions import hash_token
from backend.storage.sqlite.store import SqliteBackend
from tests.adversarial.conftest import Target, seed, start_target

pytestmark = pytest.mark.integration

EXAMPLES = 300
RUN_BUDGET_S = 60.0
# Statuses the endpoint documents (docs/protocol.md, "Incoming webhooks"), and what a method or a
# path the host has no route for gets.
STATUSES = {200, 400, 403, 404, 405, 411, 413, 421, 429}
CODES = {"invalid", "forbidden", "not_found", "too_large", "rate_limited"}


@dataclass
class Hook:
    target: Target
    hook_id: int
    secret: str
    bot_id: int
    posted: set[int]  # message ids the 200s named


@pytest.fixture(scope="module")
def hook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hook]:
    data_dir = tmp_path_factory.mktemp("fuzz-webhook") / "data"
    seeded = seed(data_dir)
    secret = secrets.token_urlsafe(32)
    store = SqliteBackend(data_dir / "parley.sqlite3", synchronous="normal").open_writer()
    try:
        store.begin()
        general = store.rooms.by_name_key("general")
        assert general is not None
        bot = store.users.insert("Hook bot", name_key("Hook bot"), is_bot=True, avatar="🤖")
        store.members.insert(general.id, bot.id)
        hook_id = store.webhooks.insert(bot.id, general.id, hash_token(secret))
        store.commit()
    finally:
        store.close()
    target = start_target(data_dir, seeded=seeded)
    try:
        yield Hook(target, hook_id, secret, bot.id, set())
    finally:
        status = target.process.stop()
    assert status == 0, target.log()[-3000:]


HOSTILE = ["\ud800", "\x00", "\u202e", "<script>", "' OR 1=1 --", "../..", "%00", "é", "🎉", ""]
text_values = st.one_of(
    st.text(max_size=20),
    st.sampled_from(HOSTILE),
    st.sampled_from([" ", "x" * 4000, "x" * 4001, "é" * 4000, "@Keeper hi", "**bold** _it_"]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text_values),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def case(draw: st.DrawFn, hook: Hook) -> dict[str, Any]:
    """One request: method, path, headers and body, each right or wrong in its own way."""
    which = draw(st.sampled_from(["right"] * 4 + ["wrong_secret", "wrong_id", "hostile", "long"]))
    hook_id, secret = str(hook.hook_id), hook.secret
    if which == "wrong_secret":
        secret = secret[:-2] + draw(st.sampled_from(["AA", "__", "-x"]))
    elif which == "wrong_id":
        hook_id = str(draw(st.sampled_from([0, -1, hook.hook_id + 1, 2**63, 10**30])))
    elif which == "hostile":
        secret = quote(
            (draw(st.sampled_from(HOSTILE)) or "x").encode("utf-8", "surrogatepass"), safe=""
        )
    elif which == "long":
        secret = secret * draw(st.sampled_from([2, 5, 100]))
    body: bytes
    kind = draw(st.sampled_from(["valid"] * 4 + ["json", "bytes", "deep", "big", "empty"]))
    if kind == "valid":
        data: dict[str, Any] = {"text": draw(text_values)}
        if draw(st.booleans()):
            data["client_id"] = draw(st.sampled_from(["c-1", "c-2", "bad id", "", "x" * 65]))
        body = json.dumps(data, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    elif kind == "json":
        body = json.dumps(draw(json_values)).encode()
    elif kind == "bytes":
        body = draw(st.binary(max_size=64))
    elif kind == "deep":
        body = b"[" * 20_000 + b"]" * 20_000 if draw(st.booleans()) else b'{"a":' * 5000
    elif kind == "big":
        body = b'{"text": "' + b"x" * draw(st.sampled_from([32 * 1024, 100_000])) + b'"}'
    else:
        body = b""
    headers = {
        "Content-Type": draw(
            st.sampled_from(
                ["application/json"] * 5
                + [
                    "application/json; charset=utf-8",
                    "text/plain",
                    "",
                    "application/x-www-form-urlencoded",
                ]
            )
        )
    }
    origin = draw(
        st.sampled_from([None] * 6 + ["http://evil.example", "null", "http://127.0.0.1:1"])
    )
    if origin is not None:
        headers["Origin"] = origin
    if draw(st.integers(0, 15)) == 0:
        headers["Host"] = "evil.example"
    method = draw(st.sampled_from(["POST"] * 10 + ["GET", "PUT", "DELETE", "PATCH"]))
    return {
        "method": method,
        "path": f"/api/hooks/{hook_id}/{secret}",
        "headers": headers,
        "body": body,
    }


def _check(hook: Hook, request: dict[str, Any], response: requests.Response) -> None:
    where = f"{request['method']} {request['path'][:80]} {request['body'][:60]!r}"
    assert response.status_code in STATUSES, (response.status_code, where)
    answer = response.json()
    if response.status_code == 200:
        assert request["method"] == "POST" and answer["ok"] is True, where
        message = answer["message"]
        assert message["author"] == {"id": hook.bot_id, "name": "Hook bot", "bot": True}, where
        hook.posted.add(message["id"])
        return
    assert answer["ok"] is False and answer["error"]["code"] in CODES, where
    assert isinstance(answer["error"]["message"], str) and answer["error"]["message"], where
    if response.status_code == 429:
        assert int(response.headers["Retry-After"]) >= 1, where


def _raw(port: int, head: bytes, body: bytes, close_early: bool) -> bytes:
    """A request the HTTP client library would not send: a lying length, chunks, a cut body."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        try:
            s.sendall(head + body)
            if close_early:
                s.shutdown(socket.SHUT_WR)
        except TimeoutError:
            raise
        except OSError:
            pass  # the host answered and closed before it all arrived: read what it said
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                break
        return b"".join(chunks)


def test_the_webhook_endpoint_answers_everything_in_one_shape_and_posts_only_right_requests(
    hook: Hook,
) -> None:
    target = hook.target
    base = target.url.rstrip("/")
    started = time.monotonic()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(request=case(hook))
    def fuzz(request: dict[str, Any]) -> None:
        response = requests.request(
            request["method"],
            base + request["path"],
            data=request["body"],
            headers=request["headers"],
            timeout=15,
        )
        _check(hook, request, response)

    fuzz()

    path = f"/api/hooks/{hook.hook_id}/{hook.secret}"
    host = f"Host: 127.0.0.1:{target.port}\r\nContent-Type: application/json\r\n".encode()
    for head, body, close_early in (
        # Says 100 bytes, sends 10 and stops sending: the read ends, nothing is posted.
        (
            b"POST " + path.encode() + b" HTTP/1.1\r\n" + host + b"Content-Length: 100\r\n\r\n",
            b'{"text": "',
            True,
        ),
        # Chunked: no length up front.
        (
            b"POST "
            + path.encode()
            + b" HTTP/1.1\r\n"
            + host
            + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            b'e\r\n{"text": "hi"}\r\n0\r\n\r\n',
            False,
        ),
        # A length past any limit, and no body behind it.
        (
            b"POST "
            + path.encode()
            + b" HTTP/1.1\r\n"
            + host
            + b"Content-Length: 99999999999\r\nConnection: close\r\n\r\n",
            b"",
            False,
        ),
    ):
        answer = _raw(target.port, head, body, close_early)
        if answer:
            status = int(answer.split(b" ", 2)[1])
            assert status in STATUSES and status != 200, answer[:200]

    took = time.monotonic() - started
    print(
        f"\nwebhook fuzzer: {EXAMPLES} requests + 3 raw in {took:.1f} s, {len(hook.posted)} posted"
    )
    assert took <= RUN_BUDGET_S
    target.assert_unharmed()
    db = sqlite3.connect(f"file:{target.data_dir / 'parley.sqlite3'}?mode=ro", uri=True)
    try:
        stored = {
            row[0]
            for row in db.execute("SELECT id FROM message WHERE author_id = ?", (hook.bot_id,))
        }
        total = db.execute("SELECT count(*) FROM message").fetchone()[0]
    finally:
        db.close()
    assert stored == hook.posted  # posted exactly what was answered 200, and nothing else
    assert total == len(target.known) + len(hook.posted)
    assert hook.posted, "the fuzzer never got a right request through"
