"""backend/json_text.py writes exactly what json.dumps writes, and refuses what it refuses."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from backend import json_text

CASES: list[Any] = [
    {"ok": False, "error": {"code": "x", "message": 'é "q" \\ \u2028 \x00 ☕', "data": {"r": 0.8}}},
    [1, 2.5, -0.0, 10**30, None, True, False, "", "😀"],
    {"a": [], "b": {}, "c": [[[]]]},
    {3: "int key", 2.5: "float key", None: "null key", True: "bool key"},
    [float("inf"), float("-inf")],
    "just a string",
    7,
    None,
]


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("value", CASES)
def test_same_text_as_json_dumps(value: Any, ensure_ascii: bool) -> None:
    encode = json_text.compact(ensure_ascii=ensure_ascii)
    assert encode(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=ensure_ascii)


@pytest.mark.parametrize("value", [b"bytes", {"a": b"x"}, {(1, 2): 1}, [object()], {1, 2}])
def test_what_json_cannot_encode_is_a_type_error(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        json_text.compact(ensure_ascii=True)(value)


def test_an_error_midway_leaves_the_encoder_usable() -> None:
    encode = json_text.compact(ensure_ascii=True)
    shared = {"k": 1}
    with pytest.raises(TypeError):
        encode([shared, b"x"])
    assert encode([shared, shared]) == '[{"k":1},{"k":1}]'  # no stale circular-reference marks


@pytest.mark.parametrize("change", ["signature", "output"])
def test_a_changed_private_encoder_falls_back_to_the_public_one(
    change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from json import encoder

    real = encoder.c_make_encoder

    def changed(*args: Any) -> Any:  # as a future CPython might have it
        if change == "signature":
            raise TypeError("c_make_encoder() takes 10 positional arguments")
        markers, default, strings, indent, key_sep, _item_sep, *rest = args
        return real(markers, default, strings, indent, key_sep, ", ", *rest)

    # json_text's own view of the module: the public encoder keeps the real accelerator.
    stand_in = SimpleNamespace(**{**vars(encoder), "c_make_encoder": changed})
    monkeypatch.setattr(json_text, "_encoder", stand_in)
    encode = json_text.compact(ensure_ascii=True)
    for value in CASES:
        assert encode(value) == json.dumps(value, separators=(",", ":"), ensure_ascii=True)
