"""People's names: look-alikes (UTS #39 skeletons), invisible characters, the host's own name, and
data dirs whose users were stored before look keys existed (the hostile-peer issue, item 7)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend import commands as c
from backend.chat import confusables
from backend.chat.context import SendRate
from backend.chat.mentions import Names
from backend.chat.names import display_name, look_keys, name_key, skeleton
from backend.chat.service import ChatService
from backend.chat.sessions import hash_token
from backend.errors import Invalid, NameTaken
from backend.host_settings import HostSettings
from backend.storage.blobs import BlobStore
from backend.storage.interface import Store
from backend.storage.sqlite import schema
from backend.storage.sqlite.store import SqliteBackend, connect
from backend.storage.worker import Database

CODE = "11223344"
HOST_NAME = "vm"

# The look-alikes of "carol", and more of the same kind.
LOOK_ALIKES = {
    "cаrol": "Cyrillic а",
    "CAROL": "case",
    "ｃａｒｏｌ": "full width",
    "caro1": "digit one for l",
    "car0l": "digit zero for o",
    "caroI": "capital I for l",
    "CАROL": "case and a Cyrillic А",
    "сarоl": "Cyrillic с and о",
}
INVISIBLE = {
    "carol\u034f": "COMBINING GRAPHEME JOINER",
    "carol\u2800": "BRAILLE PATTERN BLANK",
    "carol\u3164": "HANGUL FILLER",
    "carol\uffa0": "HALFWIDTH HANGUL FILLER",
    "\u115f\u1160carol": "HANGUL CHOSEONG and JUNGSEONG FILLER",
    "ca\u200brol": "ZERO WIDTH SPACE",
    "carol\u2060": "WORD JOINER",
    "carol\u00ad": "SOFT HYPHEN",
    "\u202ecarol": "RIGHT-TO-LEFT OVERRIDE",
    "carol\U000e0041": "TAG LATIN CAPITAL LETTER A",
    "carol \ufe0f": "a variation selector after a space",
    "carol\ufe0f\ufe0f": "a variation selector after another",
    "carol\U0001d159": "MUSICAL SYMBOL NULL NOTEHEAD",
}
# Ordinary names in several scripts: all accepted, no two alike.
ORDINARY = [
    "José",
    "Zoë",
    "李小龙",
    "Ana María",
    "O'Brien",
    "Søren",
    "Đorđe",
    "Мария",
    "Γιώργος",
    "محمد",
    "שרה",
    "प्रिया",
    "たなか",
    "김민준",
    "Nguyễn Văn An",
    "Ana",
    "Anna",
    "Ann",
    "Jan",
    "Ivan",
    "Lena",
    "Tom",
    "❤️ Sam",
    "R2-D2",
]


def _alike(a: str, b: str) -> bool:
    ka, kb = look_keys(a), look_keys(b)
    return ka[0] == kb[0] or ka[1] == kb[1]


@pytest.mark.parametrize("name", LOOK_ALIKES, ids=list(LOOK_ALIKES.values()))
def test_look_alikes_of_a_name_share_a_look_key(name: str) -> None:
    shown, _ = display_name(name)  # accepted as a name: only taken once "carol" is here
    assert shown == name
    assert _alike(name, "carol")


@pytest.mark.parametrize("name", INVISIBLE, ids=list(INVISIBLE.values()))
def test_invisible_characters_are_refused_and_ignored_by_look_keys(name: str) -> None:
    with pytest.raises(Invalid, match="invisible"):
        display_name(name)
    assert _alike(name, "carol")  # so beside a "carol" it is that name: name_taken


@pytest.mark.parametrize("name", ["\u3164", "\u115f", "\u1160", "\uffa0", "\u2800", "\ufe0f"])
def test_names_of_nothing_but_invisible_characters_are_refused(name: str) -> None:
    with pytest.raises(Invalid):
        display_name(name)
    with pytest.raises(Invalid):
        display_name(f"{name} {name}")


def test_a_name_needs_a_letter_digit_or_symbol() -> None:
    for bad in ("...", "-", "'", "\u0301"):
        with pytest.raises(Invalid, match="letter, digit or symbol"):
            display_name(bad)
    assert display_name("7")[0] == "7"
    assert display_name("★")[0] == "★"


def test_blanks_that_are_whitespace_are_folded_not_refused() -> None:
    assert display_name("carol\u3000") == ("carol", "carol")  # IDEOGRAPHIC SPACE
    assert display_name("Ana\u00a0María")[0] == "Ana María"  # NO-BREAK SPACE
    assert display_name("\u2003Ana\u205f Lopez")[0] == "Ana Lopez"


def test_ordinary_names_in_several_scripts_are_accepted_and_told_apart() -> None:
    for name in ORDINARY:
        assert display_name(name)[0] == name
    for i, a in enumerate(ORDINARY):
        for b in ORDINARY[i + 1 :]:
            assert not _alike(a, b), (a, b)


def test_case_and_width_still_make_the_same_name_key() -> None:
    assert name_key("ＡＮＡ") == name_key("ana") == "ana"
    assert _alike("Ana", "ANA") and _alike("Ιωάννης", "ΙΩΆΝΝΗΣ")  # case, any script
    assert not _alike("IAN", "LAN")  # capital I looks like l, not like L


def test_look_alike_and_case_do_not_chain() -> None:
    # "Ian" looks like "lan", which is "Lan" ignoring case; but "Ian" and "Lan" look different,
    # and refusing one beside the other would turn real people away. So a name that looks like
    # another only in another case is its own name: "MaIlory" (capital i) beside "MALLORY".
    assert _alike("Ian", "lan") and not _alike("Ian", "Lan")
    assert _alike("MaIlory", "Mallory") and not _alike("MaIlory", "MALLORY")


def test_skeleton_follows_uts39_data() -> None:
    assert confusables.CONFUSABLES_VERSION == "18.0.0"
    assert skeleton("pаypаl") == skeleton("paypal")  # UTS #39's own example
    assert skeleton("rn") == skeleton("m")
    assert skeleton("a\u034fb") == "ab"  # default-ignorables are dropped
    assert skeleton("é") == "e\u0301"  # NFD


def test_mentions_still_match_names_as_typed() -> None:
    names = Names()
    names.add(1, "carol")
    names.add(2, "José")
    assert names.find("@carol and @CAROL, @José") == [1, 2]
    assert names.find("@cаrol") == []  # a look-alike typed in a message is not the person


# -- the rules with a real database ---------------------------------------------------------------


class _Out:
    def publish(self, *_: Any, **__: Any) -> None:
        pass

    def publish_each(self, *args: Any, **kwargs: Any) -> None:
        pass

    def subscribe(self, sid: str, channel: str) -> None:
        pass

    def unsubscribe(self, sid: str, channel: str) -> None:
        pass


def _service(db: Database, data_dir: Path) -> ChatService:
    host = HostSettings(db, host_id="h", version="t", name=HOST_NAME)
    host.start(name_given=True, code=CODE, code_given=True, data_dir=data_dir)
    svc = ChatService(
        db,
        _Out(),
        host=host,
        send_rate=SendRate(rate=1.0, burst=3),
        blobs=BlobStore(data_dir),
        offload=lambda fn, *args: fn(*args),
        invite_urls=lambda: [],
    )
    svc.bootstrap()
    return svc


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(SqliteBackend(tmp_path / "s.sqlite3", synchronous="normal"))
    yield database
    database.close()


@pytest.fixture
def service(db: Database, tmp_path: Path) -> ChatService:
    return _service(db, tmp_path)


def _join(service: ChatService, name: str, sid: str = "s") -> dict[str, Any]:
    auth = c.decode_auth({"name": name, "code": CODE})
    return service.sessions.connect(sid, auth, "10.0.0.5")


def _owner(service: ChatService) -> dict[str, Any]:
    auth = c.decode_auth({"owner_key": service.sessions.owner_key})
    return service.sessions.connect("owner", auth, "127.0.0.1")


def _by_token(service: ChatService, token: str) -> dict[str, Any]:
    return service.sessions.connect("t", c.decode_auth({"token": token}), "10.0.0.5")


def test_five_carols_make_one_person(service: ChatService) -> None:
    assert _join(service, "carol")["user"]["name"] == "carol"
    for name in ("cаrol", "carol\u034f", "carol\u2800", "carol\u3164", "CAROL", "caroI", "car0l"):
        with pytest.raises(NameTaken, match="looks like carol"):
            _join(service, name)
    with pytest.raises(NameTaken, match="already called carol"):
        _join(service, "carol")
    users = _join(service, "Dave")["users"]
    assert {u["name"] for u in users} == {"carol", "Dave"}


def test_invisible_characters_alone_are_invalid_not_taken(service: ChatService) -> None:
    with pytest.raises(Invalid):
        _join(service, "bob\u034f")
    with pytest.raises(Invalid):
        _join(service, "\u3164")
    assert _join(service, "bob")["user"]["name"] == "bob"


def test_the_hosts_name_is_kept_until_the_host_user_exists(service: ChatService) -> None:
    for name in (HOST_NAME, "VM", "\u0475m", "vm\u034f"):  # U+0475: a Cyrillic izhitsa
        with pytest.raises(NameTaken, match="vm is the host's own name"):
            _join(service, name)
    assert _join(service, "Ana")["user"]["name"] == "Ana"  # others join as usual
    host = _owner(service)["user"]
    assert host["name"] == HOST_NAME and host["is_host"]
    with pytest.raises(NameTaken, match="already called vm"):  # now plain uniqueness
        _join(service, HOST_NAME)


def test_the_host_user_is_told_apart_from_a_look_alike_already_here(
    db: Database, tmp_path: Path
) -> None:
    # A data dir where a guest got (a look-alike of) the host's name before this rule.
    skel, shape = look_keys("VM")
    db.write(lambda s: s.users.insert("VM", name_key("VM"), skeleton=skel, shape=shape))
    assert _owner(_service(db, tmp_path))["user"]["name"] == "vm 2"


def refuses_a_second_of_each_look_key(store: Store, integrity_error: type[Exception]) -> None:
    """The database itself (not only the rules above it) keeps each look key to one person;
    ``integrity_error`` is how its driver says so."""
    skel, shape = look_keys("carol")
    store.users.insert("carol", "carol", skeleton=skel, shape=shape)
    for name, keys in (("cаrol", (skel, "other")), ("caroI", ("other", shape))):
        store.begin()  # a failed statement ends PostgreSQL's transaction: undo it alone
        with pytest.raises(integrity_error):
            store.users.insert(name, name_key(name), skeleton=keys[0], shape=keys[1])
        store.rollback()


def test_the_database_enforces_each_look_key(tmp_path: Path) -> None:
    store = SqliteBackend(tmp_path / "u.sqlite3", synchronous="normal").open_writer()
    try:
        refuses_a_second_of_each_look_key(store, sqlite3.IntegrityError)
    finally:
        store.close()


# -- a data dir from before look keys --------------------------------------------------------------


def _old_data_dir(path: Path, users: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A database at schema 2 (before look keys) whose users were told apart by name key only;
    returns each user's device token."""
    db = connect(path, synchronous="normal")
    with monkeypatch.context() as patch:
        patch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:2])
        assert schema.migrate(db) == 2
    tokens = {}
    for name in users:
        cur = db.execute(
            "INSERT INTO user (name, name_key, created_at) VALUES (?, ?, '2026-01-01T00:00:00Z')",
            (name, name_key(name)),
        )
        tokens[name] = f"token-{cur.lastrowid}"
        db.execute(
            "INSERT INTO device (user_id, token_hash, created_at, last_seen_at) "
            "VALUES (?, ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            (cur.lastrowid, hash_token(tokens[name])),
        )
    db.close()
    return tokens


def _keys(path: Path) -> dict[str, tuple[str | None, str | None]]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT name, name_skeleton, name_shape FROM user ORDER BY id")
        return {name: (skel, shape) for name, skel, shape in rows}
    finally:
        db.close()


def test_users_from_before_get_look_keys_and_clashes_keep_working(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.sqlite3"
    tokens = _old_data_dir(path, ["carol", "cаrol", "Ana", "caroI"], monkeypatch)
    db = Database(SqliteBackend(path, synchronous="normal"))
    try:
        service = _service(db, tmp_path)
        for name, token in tokens.items():  # everyone comes back before any name is compared
            assert _by_token(service, token)["user"]["name"] == name
        caplog.set_level(logging.WARNING, logger="backend.chat.sessions")
        with pytest.raises(NameTaken, match="looks like carol"):
            _join(service, "CAROL")
        with pytest.raises(NameTaken, match="looks like Ana"):
            _join(service, "АNA")  # a Cyrillic А
    finally:
        db.close()
    keys = _keys(path)
    assert keys["carol"] == look_keys("carol")  # the oldest keeps the look keys
    assert keys["Ana"] == look_keys("Ana")
    assert keys["cаrol"] == (None, None)  # looked like carol already: no keys of its own
    assert keys["caroI"] == (look_keys("caroI")[0], None)  # only its shape was carol's
    clashes = [r.getMessage() for r in caplog.records if "looks like user" in r.getMessage()]
    assert len(clashes) == 2 and "'cаrol'" in clashes[0] and "'caroI'" in clashes[1]

    # The next run: the same users, the same keys, all still let in; a new name joins as usual.
    db = Database(SqliteBackend(path, synchronous="normal"))
    try:
        service = _service(db, tmp_path)
        assert _join(service, "Bob")["user"]["name"] == "Bob"
        for name, token in tokens.items():
            assert _by_token(service, token)["user"]["name"] == name
        with pytest.raises(NameTaken):
            _join(service, "cаrol")
    finally:
        db.close()
    assert _keys(path)["cаrol"] == (None, None)
