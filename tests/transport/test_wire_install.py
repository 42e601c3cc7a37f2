"""The fast path installs only on the library versions it was written against (wire/install.py)."""

from __future__ import annotations

import logging

import pytest
import socketio

from backend.wire import install as wire_install
from backend.wire.transport import FastTransport, StockTransport


def _server() -> socketio.Server:
    return socketio.Server(async_mode="gevent", transports=["websocket"])  # as the host's


def test_the_pinned_versions_get_the_fast_path() -> None:
    assert wire_install.mismatches() == []  # requirements.txt pins exactly WRITTEN_FOR
    server = _server()
    stock_driver = server.eio._async["websocket"]
    transport = wire_install.install(server, fast=True, max_event_bytes=65536)
    assert isinstance(transport, FastTransport)
    assert server.eio._async["websocket"] is not stock_driver
    assert _server().eio._async["websocket"] is stock_driver  # other servers keep theirs


def test_another_version_gets_stock_engineio_and_a_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = wire_install.metadata.version

    def newer(name: str) -> str:
        return "4.99.0" if name == "python-engineio" else real(name)

    monkeypatch.setattr(wire_install.metadata, "version", newer)
    server = _server()
    stock_driver = server.eio._async["websocket"]
    with caplog.at_level(logging.WARNING, logger="backend.wire.install"):
        transport = wire_install.install(server, fast=True, max_event_bytes=65536)
    assert type(transport) is StockTransport
    assert server.eio._async["websocket"] is stock_driver  # nothing of the library was touched
    assert "python-engineio 4.99.0, written for 4.15.1" in caplog.text


def test_missing_private_parts_get_stock_engineio(monkeypatch: pytest.MonkeyPatch) -> None:
    server = _server()
    monkeypatch.delattr(type(server), "_send_eio_packet")
    assert type(wire_install.install(server, fast=True, max_event_bytes=65536)) is StockTransport


def test_a_server_that_also_takes_long_polling_gets_stock_engineio() -> None:
    # The fast path serves connections that start on websocket only: an upgrade from
    # long-polling needs Engine.IO's own writer greenlet, which the fast path does without.
    server = socketio.Server(async_mode="gevent")
    assert type(wire_install.install(server, fast=True, max_event_bytes=65536)) is StockTransport


def test_turned_off_is_stock_whatever_the_versions() -> None:
    server = _server()
    stock_driver = server.eio._async["websocket"]
    assert type(wire_install.install(server, fast=False, max_event_bytes=65536)) is StockTransport
    assert server.eio._async["websocket"] is stock_driver
