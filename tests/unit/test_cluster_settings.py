"""The settings of a host that is one of several processes (issue 17): the message queue and the
proxy's origins."""

from __future__ import annotations

import pytest

from backend import Settings, build_arg_parser, settings_from_args
from backend.netinfo import LocalNames
from backend.web.security import OriginCheck

DB = "postgresql://parley@db.lan/parley"


def test_message_queue_from_the_environment_and_the_flag() -> None:
    env = {"PARLEY_DATABASE_URL": DB, "PARLEY_MESSAGE_QUEUE": "redis://127.0.0.1:6379/0"}
    assert Settings.from_env(env).message_queue == "redis://127.0.0.1:6379/0"
    assert Settings.from_env({}).message_queue is None  # one process alone by default
    args = build_arg_parser().parse_args(["--database", DB, "--message-queue", "redis://q:6379"])
    assert settings_from_args(args, Settings()).message_queue == "redis://q:6379"


def test_message_queue_must_be_redis_and_needs_a_shared_database() -> None:
    with pytest.raises(ValueError, match="redis://"):
        Settings(database_url=DB, message_queue="amqp://q")
    with pytest.raises(ValueError, match="PostgreSQL"):
        Settings(message_queue="redis://q:6379")


def test_the_proxys_origin_is_accepted_and_no_other() -> None:
    env = {"PARLEY_PUBLIC_ORIGINS": "https://chat.example.org, http://127.0.0.1:8080"}
    origins = Settings.from_env(env).public_origins
    check = OriginCheck(LocalNames("127.0.0.1", ()), lambda: 7301, origins)
    assert check("https://chat.example.org", {"wsgi.url_scheme": "http"})
    assert check("http://127.0.0.1:8080")
    assert not check("https://chat.example.org.evil.com")
    assert not check("http://127.0.0.1:8081")
    assert check("http://127.0.0.1:7301")  # its own, as before
