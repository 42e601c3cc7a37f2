"""Search in storage against real SQLite: how words are cut and matched, file-name matches in
message order whatever order the files came in, the membership filter across many refused
candidates, and the date window. tests/cluster/test_search_postgres.py runs these same cases on
PostgreSQL (its ``store`` and ``set_sent_at`` fixtures), plus what is PostgreSQL's alone."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backend.models import User
from backend.storage.interface import Store
from backend.storage.sqlite.store import SqliteBackend, SqliteStore

# Sets messages' created_at (id → ISO time) through another connection to the store's database.
SetSentAt = Callable[[dict[int, str]], None]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteBackend(tmp_path / "t.sqlite3", synchronous="off").open_writer()
    yield opened
    opened.close()


@pytest.fixture
def set_sent_at(tmp_path: Path) -> SetSentAt:
    def set_them(stamps: dict[int, str]) -> None:
        with sqlite3.connect(tmp_path / "t.sqlite3") as db:
            db.executemany(
                "UPDATE message SET created_at = ? WHERE id = ?",
                [(at, message_id) for message_id, at in stamps.items()],
            )

    return set_them


def _user(store: Store, name: str) -> User:
    return store.users.insert(name, name.casefold())


def _pages(store: Store, user: User, query: str, **bounds: str | None) -> list[list[int]]:
    pages, before_id = [], None
    for _ in range(100):  # bounded
        hits, more = store.messages.search(
            user.id,
            query,
            room_id=None,
            author_id=None,
            before_id=before_id,
            limit=20,
            after=bounds.get("after"),
            before=bounds.get("before"),
        )
        pages.append([h.message.id for h in hits])
        if not more:
            return pages
        before_id = hits[-1].message.id
    raise AssertionError("paging did not end")


def _found(store: Store, user_id: int, query: str) -> list[str]:
    hits, _ = store.messages.search(
        user_id, query, room_id=None, author_id=None, before_id=None, limit=20
    )
    return [hit.message.text for hit in hits]


def test_words_are_cut_and_matched_alike_on_both_engines(store: Store) -> None:
    ana = store.users.insert("ana", "ana")
    room = store.rooms.insert("general", "general", kind="channel", created_by=None)
    store.members.insert(room.id, ana.id)
    texts = ["Café au lait", "deploy_script ran", "Q3-report.pdf is out", "the deployment"]
    texts += ["Привет, мир—как дела?"]
    for n, text in enumerate(texts):
        store.messages.insert(room.id, ana, f"c{n}", text)
    assert _found(store, ana.id, "cafe") == ["Café au lait"]  # accents dropped on both sides
    assert _found(store, ana.id, "CAFÉ LAIT") == ["Café au lait"]
    assert _found(store, ana.id, "report") == ["Q3-report.pdf is out"]  # punctuation separates
    assert _found(store, ana.id, "script") == ["deploy_script ran"]
    # The last word is a prefix while typed (newest first); a finished word is whole.
    assert _found(store, ana.id, "dep") == ["the deployment", "deploy_script ran"]
    assert _found(store, ana.id, "deploy ") == ["deploy_script ran"]
    assert _found(store, ana.id, "de") == []  # too short to be a prefix
    # Letters beyond ASCII are letters, and non-ASCII punctuation separates words.
    assert _found(store, ana.id, "мир") == ["Привет, мир—как дела?"]
    assert _found(store, ana.id, "привет как") == ["Привет, мир—как дела?"]
    # Operators are words, never syntax.
    assert _found(store, ana.id, "lait & | ! :*") == ["Café au lait"]


def test_file_names_page_in_message_order_past_refused_candidates(store: Store) -> None:
    ana, bo = _user(store, "ana"), _user(store, "bo")
    ours = store.rooms.insert("ours", "ours", kind="channel", created_by=None)
    theirs = store.rooms.insert("theirs", "theirs", kind="channel", created_by=None)
    store.members.insert(ours.id, ana.id)
    store.members.insert(theirs.id, bo.id)
    # 130 messages in a room Ana is not in come last (newest): more than one batch of candidates
    # must be refused before hers are reached.
    plan = [(ours, ana, n) for n in range(90)] + [(theirs, bo, n) for n in range(130)]
    # Files made newest-message-first, so file ids run against message ids.
    files = {
        n: store.files.insert(
            room.id, who.id, f"plan-{n}-{room.name}.pdf", 10, "x", "file", "0" * 64
        )
        for n, (room, who, _) in reversed(list(enumerate(plan)))
    }
    extra = store.files.insert(ours.id, ana.id, "second plan.txt", 10, "x", "file", "0" * 64)
    expected, with_two = [], 0
    for n, (room, who, i) in enumerate(plan):
        message, _ = store.messages.insert(room.id, who, f"c-{n}", f"note {i}")
        ids = [files[n].id] + ([extra.id] if n == 45 else [])
        store.files.attach(message.id, room.id, who.id, ids)
        if room is ours:
            expected.append(message.id)
        if n == 45:
            with_two = message.id

    pages = _pages(store, ana, "plan")
    assert [m for page in pages for m in page] == sorted(expected, reverse=True)
    assert [len(p) for p in pages] == [20, 20, 20, 20, 10]
    hits, _ = store.messages.search(
        ana.id, "plan", room_id=None, author_id=None, before_id=with_two + 1, limit=1
    )
    assert hits[0].message.id == with_two and not hits[0].text
    assert sorted(hits[0].file_ids) == sorted([files[45].id, extra.id])
    assert _pages(store, bo, "plan theirs") != [[]]
    assert _pages(store, ana, "theirs") == [[]]


def test_the_date_window(store: Store, set_sent_at: SetSentAt) -> None:
    ana = _user(store, "ana")
    room = store.rooms.insert("general", "general", kind="channel", created_by=None)
    store.members.insert(room.id, ana.id)
    days = ["2026-12-01", "2026-12-02", "2026-12-02", "2026-12-03", "2026-12-05"]
    ids = []
    for n in range(len(days)):
        message, _ = store.messages.insert(room.id, ana, f"c-{n}", f"standup {n}")
        ids.append(message.id)
    # The host stamps sends itself; another connection sets them to known days for the bounds.
    set_sent_at(
        {message_id: f"{day}T09:00:00.000Z" for message_id, day in zip(ids, days, strict=True)}
    )

    def found(after: str | None = None, before: str | None = None) -> list[int]:
        return sorted(
            m for page in _pages(store, ana, "standup", after=after, before=before) for m in page
        )

    assert found() == ids
    assert found(after="2026-12-02T00:00:00.000Z") == ids[1:]
    assert found(after="2026-12-02T09:00:00.000Z") == ids[1:]  # inclusive
    assert found(before="2026-12-02T09:00:00.000Z") == ids[:1]  # exclusive
    assert found(after="2026-12-02T00:00:00.000Z", before="2026-12-04T00:00:00.000Z") == ids[1:4]
    assert found(after="2026-12-04T00:00:00.000Z", before="2026-12-05T00:00:00.000Z") == []
    assert found(after="2027-01-01T00:00:00.000Z") == []
    assert found(before="2026-01-01T00:00:00.000Z") == []
