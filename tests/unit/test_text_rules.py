"""Mentions found in message text, and search box input turned into safe FTS5 queries."""

from __future__ import annotations

import sqlite3

import pytest

from backend.chat.mentions import MAX_MENTIONS, Names
from backend.storage.sqlite.search import fts_query


def _names(*people: str) -> Names:
    names = Names()
    for i, name in enumerate(people, start=1):
        names.add(i, name)
    return names


def test_longest_known_name_wins_and_case_is_ignored() -> None:
    names = _names("Bo", "Bo Li", "Ana")
    assert names.find("@bo li can you check") == [2]
    assert names.find("@Bo, and @ANA!") == [1, 3]
    assert names.find("@Bo Lin") == [1]  # "Bo Li" would end inside a word


def test_no_mention_inside_words_emails_or_unknown_names() -> None:
    names = _names("Cy", "Ana")
    assert names.find("mail@cy.example") == []
    assert names.find("@Cyrus @nobody @ @") == []
    assert names.find("@Ana @Ana @ana") == [2]  # once each


def test_mentions_are_bounded() -> None:
    people = [f"p{i}" for i in range(MAX_MENTIONS + 10)]
    names = _names(*people)
    assert len(names.find(" ".join(f"@{p}" for p in people))) == MAX_MENTIONS


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("otters", '"otters"*'),
        ("otters ", '"otters"'),
        ("big otters", '"big" "otters"*'),
        ('"unbalanced', '"unbalanced"*'),
        ("NEAR(a b)", '"NEAR" "a" "b"'),
        ("text:x OR -yes", '"text" "x" "OR" "yes"*'),
        ("hi", '"hi"'),
        ("Zürich", '"Zürich"*'),
    ],
)
def test_every_word_is_quoted_and_the_last_is_a_prefix(typed: str, query: str) -> None:
    assert fts_query(typed) == query


def test_fts_queries_are_valid_fts5() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text)")
    db.execute("INSERT INTO t VALUES ('some text about OR and NEAR')")
    for typed in ("a AND", "(x", "x*y", "^start", "col:val", "a - b"):
        db.execute("SELECT * FROM t WHERE t MATCH ?", (fts_query(typed),)).fetchall()
    with pytest.raises(ValueError):
        fts_query("!!! ???")
