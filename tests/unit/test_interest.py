"""chat/interest.py: who hears whose presence; the bound; forgetting (the reverse index's stale
numbers are dropped, and compacted once they outnumber the live ones)."""

from __future__ import annotations

from backend.chat.interest import SLACK, Interest


def heard(interest: Interest, ids: list[int]) -> dict[str, list[int] | None]:
    return dict(interest.audience(ids))


def test_each_connection_hears_only_whom_it_watches_in_the_order_told() -> None:
    interest = Interest(limit=10)
    interest.watch("a", [1, 2, 3])
    interest.watch("b", [3, 4])
    interest.everyone("c")
    assert heard(interest, [4, 3, 9]) == {"c": None, "a": [3], "b": [4, 3]}
    assert heard(interest, [9]) == {"c": None}
    interest.more("a", [9, 1])
    assert heard(interest, [9]) == {"c": None, "a": [9]}
    interest.more("c", [9])  # one that watches everyone is not given a list
    assert interest.watching("c") == []


def test_watch_replaces_and_is_bounded() -> None:
    interest = Interest(limit=3)
    interest.watch("a", [5, 6])
    interest.watch("a", [7, 7, 8, 9, 10])
    assert interest.watching("a") == [7, 8, 9]  # the first three distinct, 10 past the bound
    interest.more("a", [11])
    assert heard(interest, [5, 6, 10, 11]) == {}
    assert heard(interest, [9, 8]) == {"a": [9, 8]}
    interest.everyone("a")
    assert heard(interest, [9]) == {"a": None}


def test_forgotten_connections_hear_nothing_and_their_numbers_go() -> None:
    interest = Interest()
    for n in range(SLACK):
        interest.watch(f"s{n}", [1, 2])
    interest.watch("stays", [2])
    for n in range(SLACK):
        interest.forget(f"s{n}")
    assert heard(interest, [1, 2]) == {"stays": [2]}
    assert interest._entries == interest._live == 1  # read, or compacted past the slack
    interest.forget("stays")
    interest.forget("never-seen")
    assert heard(interest, [1, 2]) == {}
