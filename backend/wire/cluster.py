"""Several host processes sharing one database: broadcasts and requests between them over Redis.

Each process delivers a broadcast to its own recipients at once, through the transport it already
has (the fast path builds one frame for all of them), and publishes the Socket.IO text once to one
Redis pub/sub channel; every other process's subscriber hands it to its own transport, which
delivers it to its own recipients. A recipient is a connection of exactly one process, so it gets
each broadcast once. Channels (rooms, a person's devices, the admins) are the processes' own
python-socketio rooms, so who is on a channel is each process's business and a broadcast to a
person's channel reaches that person's sockets only, on whichever process they are.

Why not python-socketio's RedisManager: it refuses to run under gevent without monkey patching,
and it would send every emit through Redis and back, encoded again per process through its packet
objects, bypassing the fast path; here the local delivery costs what it did on one process, and
the other processes get the text ready to frame.

redis-py blocks, and nothing is monkey-patched: a Redis call on the hub would stall every client.
So one OS thread publishes (the hub only queues, never waits) and one OS thread listens; what it
hears is handed to the hub through an async watcher, the thread-safe way in (storage/worker.py
does the same), and delivered there by one greenlet, in order. Either thread survives a Redis
restart: it connects again with a growing pause. What is published while Redis is away is lost to
the other processes (pub/sub keeps nothing), and what they published is lost to this one; the
messages themselves are in the database. So a break is made good without anyone reconnecting: a
listener subscribed again after a break (this process may have missed others' texts), or a
publisher that had to drop texts and reaches Redis again (the others missed this one's: it tells
them ``resync``), has the process catch up (``on_resync``, after RESYNC_SETTLE_SECONDS so one
break's several signals make one catch-up): it re-does from the database what the others may have
asked of it, and tells its own clients to fetch what they missed (chat/outage.py). What a
publisher cannot send is dropped rather than kept for later: sent late it could reach a client
after that client's catch-up, or twice.

Requests between processes (``Context.tell_peers``: sign a device's sockets out, put a person's
sockets on a room's channel) go the same way as small JSON objects: ids, or the records of a
window's people (chat/records.py: in several requests of bounded size, checked by the receiver).
"""

from __future__ import annotations

import collections
import json
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Protocol

import gevent

from ..ratelimit import TokenBuckets
from . import id_sets

log = logging.getLogger(__name__)

# Published per round trip at most: a burst of broadcasts shares one pipeline.
MAX_BATCH = 256
# Pauses between attempts to reach Redis again, doubling up to the last.
RETRY_FIRST, RETRY_MAX = 0.1, 2.0
# The listener wakes this often to notice a stop, and pings an idle connection to notice a dead one.
POLL_SECONDS = 1.0
HEALTH_CHECK_SECONDS = 5
# After a break, the processes' signals (listeners back, publishers back) come within a retry
# pause or two of each other (a waking listener wakes its publisher): those that come within this
# make one catch-up, not one each.
RESYNC_SETTLE_SECONDS = RETRY_MAX + 1.0

_STOP = "\x00stop"
# Put in the listener's inbox for the hub: this process may have missed others' texts (its
# listener subscribed again after a break), or others missed its own (its publisher dropped some).
_MISSED = "\x00missed"
_UNSENT = "\x00unsent"
# Each process says who is connected to it this often; one not heard from for LAPSE_SECONDS is
# taken for dead (SIGKILL, a pulled plug) and its people for gone, unless connected elsewhere.
HEARTBEAT_SECONDS = 2.0
LAPSE_SECONDS = 7.0


class LocalTransport(Protocol):
    """This process's transport (wire/transport.py)."""

    def publish(
        self, event: str, payload: dict[str, Any], to: str | None, skip_sid: str | None = None
    ) -> None: ...

    def publish_each(self, event: str, payload: dict[str, Any], sids: Iterable[str]) -> None: ...

    def encode(self, event: str, payload: dict[str, Any]) -> str: ...

    def deliver(self, encoded: str, to: str | None, skip_sid: str | None) -> None: ...

    def is_local(self, sid: str) -> bool: ...

    def subscribe(self, sid: str, channel: str) -> None: ...

    def unsubscribe(self, sid: str, channel: str) -> None: ...

    def disconnect(self, sid: str) -> None: ...


class RedisBus:
    """One Redis pub/sub channel between the processes: ``send`` text, ``receive`` others' text."""

    def __init__(
        self,
        url: str,
        channel: str,
        receive: Callable[[str], None],
        missed: Callable[[], None] = lambda: None,
        unsent: Callable[[], None] = lambda: None,
    ) -> None:
        """``missed``: called on the hub when the listener is subscribed again after a break;
        ``unsent``: when the publisher reaches Redis again after dropping texts."""
        import redis  # only a host with a message queue needs it

        self._redis = redis
        self._url = url
        self._channel = channel
        self._receive = receive
        self._signals = {_MISSED: missed, _UNSENT: unsent}
        # Set by the listener back from a break: the publisher waiting to retry tries at once.
        self._retry = threading.Event()
        # Set by the listener back from a break: the publisher's connection is likely dead too
        # (a restarted Redis), and a text sent on it would be lost; it opens a new one first.
        self._renew = threading.Event()
        self._outbox: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._inbox: collections.deque[str] = collections.deque()
        self._stopped = threading.Event()
        self._draining = False
        # Since when the listener has been subscribed without a break (None: it is not).
        self.listening_since: float | None = None
        # Created on the hub's thread (the host's): the listener's way into it.
        self._wake = gevent.get_hub().loop.async_()
        self._wake.start(self._on_wake)
        self._threads = [
            threading.Thread(target=self._publish_loop, name="redis-publish", daemon=True),
            threading.Thread(target=self._listen_loop, name="redis-listen", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def send(self, text: str) -> None:
        """Queue ``text`` for the other processes (never waits)."""
        self._outbox.put(text)

    def close(self) -> None:
        self._stopped.set()
        self._retry.set()
        self._outbox.put(_STOP)
        for thread in self._threads:
            thread.join(POLL_SECONDS * 3)
        self._wake.stop()

    # -- the publishing thread ---------------------------------------------------------------

    def _client(self) -> Any:
        return self._redis.Redis.from_url(
            self._url,
            socket_timeout=5,
            socket_connect_timeout=5,
            health_check_interval=HEALTH_CHECK_SECONDS,
        )

    def _publish_loop(self) -> None:
        client = self._client()
        pause = RETRY_FIRST
        unsent = False  # texts were dropped since Redis last took one
        while not self._stopped.is_set():
            if unsent:
                if self._reached(client, pause):
                    unsent, pause = False, RETRY_FIRST
                    self._to_hub(_UNSENT)
                else:
                    pause = min(pause * 2, RETRY_MAX)
                continue
            batch = [self._outbox.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._outbox.get_nowait())
                except queue.Empty:
                    break
            batch = [text for text in batch if text != _STOP]
            if not batch:
                continue
            if self._renew.is_set():
                self._renew.clear()
                client.connection_pool.disconnect()
            try:
                pipe = client.pipeline(transaction=False)
                for text in batch:
                    pipe.publish(self._channel, text)
                pipe.execute()
            except self._redis.RedisError as exc:
                log.warning("message queue: cannot publish (%s); dropping until it is back", exc)
                unsent = True
        client.close()

    def _reached(self, client: Any, pause: float) -> bool:
        """After ``pause`` (or sooner, when the listener got through), drop what was queued
        meanwhile and whether Redis answers now."""
        self._retry.wait(pause)
        self._retry.clear()
        while True:
            try:
                if self._outbox.get_nowait() == _STOP:
                    return False
            except queue.Empty:
                break
        if self._stopped.is_set():
            return False
        try:
            client.ping()
        except self._redis.RedisError:
            return False
        return True

    # -- the listening thread ----------------------------------------------------------------

    def _listen_loop(self) -> None:
        pause = RETRY_FIRST
        broken = False  # since the last subscription, or before the first one got through
        while not self._stopped.is_set():
            client = self._client()
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self._channel)
                self.listening_since = time.monotonic()
                log.info("message queue: listening on %s", self._channel)
                pause = RETRY_FIRST
                if broken:
                    broken = False
                    self._renew.set()
                    self._retry.set()
                    self._to_hub(_MISSED)
                while not self._stopped.is_set():
                    message = pubsub.get_message(timeout=POLL_SECONDS)
                    if message is not None and message["type"] == "message":
                        data = message["data"]
                        self._to_hub(data.decode() if isinstance(data, bytes) else data)
            except self._redis.RedisError as exc:
                self.listening_since = None
                broken = True
                log.warning("message queue: lost Redis (%s); connecting again", exc)
                self._stopped.wait(pause)
                pause = min(pause * 2, RETRY_MAX)
            finally:
                try:
                    pubsub.close()
                    client.close()
                except Exception:  # noqa: BLE001 (a dead connection may raise anything here)
                    pass

    def _to_hub(self, text: str) -> None:
        """From either thread: ``text`` is handled on the hub, in order with what was heard."""
        self._inbox.append(text)
        self._wake.send()

    # -- on the hub ----------------------------------------------------------------------------

    def _on_wake(self) -> None:
        if not self._draining:
            self._draining = True
            gevent.spawn(self._drain)

    def _drain(self) -> None:
        try:
            while self._inbox:
                text = self._inbox.popleft()
                try:
                    signal = self._signals.get(text)
                    if signal is not None:
                        signal()
                    else:
                        self._receive(text)
                except Exception:
                    log.exception("message queue: could not deliver a message")
        finally:
            self._draining = False
        if self._inbox:  # arrived after the loop's last look, before the flag went down
            self._on_wake()


def who_is_here(origin: str, people: list[int], devices: list[int]) -> str:
    """A process's heartbeat: who is connected to it (``ClusterTransport``'s ``on`` and ``dev``)."""
    return json.dumps({"o": origin, "on": id_sets.encode(people), "dev": id_sets.encode(devices)})


class ClusterTransport:
    """``chat.context.Transport`` for one of several processes; also ``chat.context.Peers``.

    A message on the bus is a JSON header line, then (for a broadcast) the Socket.IO text: the
    header names the sending process (``o``, which ignores its own), then either the channel and
    the connection to skip (``to``, ``skip``), a request (``a``, ``args``), or who is connected to
    the sender (``on``: every person, ``dev``: every device, sent each heartbeat and when asked by
    a new process; each a set of ids as short text, id_sets.py: a byte or two per id).

    Who is online elsewhere, and on which devices (the devices list's ``online``), is kept per
    process, from those heartbeats and from the requests a process sends when they change:
    ``online`` (person, device) when a device's first connection to it comes, ``offline`` (person,
    device) when the person's last one goes, ``device_offline`` (device) when a device's last one
    goes and the person stays on another. A process whose heartbeat lapses is forgotten; its people
    who are connected nowhere else are then said offline (``on_lapsed``) by one survivor, the one
    with the smallest id, so each client hears it once; it first tells the others to forget that
    process too (``gone``), so that they tell their own clients from a view without it.

    After a break (see the module's docstring) a process whose listener is back asks who is where
    (``hello``, and says its own), so its view is current before its clients ask; one whose
    publisher dropped texts tells the others to catch up (``resync``), and asks and says again.
    """

    def __init__(self, local: LocalTransport, url: str, channel: str) -> None:
        self._local = local
        self.url = url
        self._origin = secrets.token_hex(8)
        self.on_request: Callable[[str, list[Any]], None] = lambda action, args: None
        # Set by app.py: the people connected to this process; told who lapsed (see above).
        self.local_people: Callable[[], list[int]] = list
        self.local_devices: Callable[[], list[int]] = list
        self.on_lapsed: Callable[[list[int]], None] = lambda user_ids: None
        # Set by app.py: catch up after a break (chat/outage.py); once per break, see _resync_soon.
        self.on_resync: Callable[[], None] = lambda: None
        self._resync: gevent.Greenlet[Any] | None = None
        self._elsewhere: dict[str, set[int]] = {}  # process → its people
        self._devices_elsewhere: dict[str, set[int]] = {}  # process → its connected devices
        self._heard: dict[str, float] = {}  # process → when it was last heard (monotonic)
        self._unreadable: set[str] = set()  # processes whose heartbeat could not be read (said)
        self.bus = RedisBus(url, channel, self._receive, self._missed, self._unsent)
        self._ask_who()
        self._beat = gevent.spawn(self._heartbeat)

    def online_elsewhere(self, user_id: int) -> bool:
        """Whether the person has a connection to another live process."""
        return any(user_id in people for people in self._elsewhere.values())

    def device_online_elsewhere(self, device_id: int) -> bool:
        """Whether the device has a connection to another live process."""
        return any(device_id in devices for devices in self._devices_elsewhere.values())

    def _ask_who(self) -> None:
        """The others say who is connected to them (``hello``: a process started, or is back)."""
        self.bus.send(json.dumps({"o": self._origin, "hello": True}))

    def _say_who(self) -> None:
        self.bus.send(who_is_here(self._origin, self.local_people(), self.local_devices()))

    def _heartbeat(self) -> None:
        while True:
            self._say_who()
            gevent.sleep(HEARTBEAT_SECONDS)
            now = time.monotonic()
            since = self.bus.listening_since
            if since is None or now - since < LAPSE_SECONDS:
                continue  # not hearing anyone says nothing of them: Redis is away, not they
            lapsed = [o for o, at in self._heard.items() if now - at > LAPSE_SECONDS]
            for origin in lapsed:
                people = self._forget(origin)
                log.warning("message queue: process %s went quiet; %d people", origin, len(people))
                if min([self._origin, *self._heard]) == self._origin:  # one survivor says it
                    # The others first forget it too (each looks at its own pace, up to
                    # HEARTBEAT_SECONDS later): they tell their own clients who went offline
                    # from their own view of who is online, which must already leave it out.
                    self.bus.send(json.dumps({"o": self._origin, "gone": origin}))
                    gone = [u for u in people if not self.online_elsewhere(u)]
                    if gone:
                        try:
                            self.on_lapsed(sorted(gone))
                        except Exception:
                            log.exception("message queue: could not say who went offline")

    def _missed(self) -> None:
        """Subscribed again after a break: who is where may have changed unheard."""
        self._say_who()
        self._ask_who()
        self._resync_soon()

    def _unsent(self) -> None:
        """Texts of this process were dropped: the others' clients missed them. Among them
        perhaps what ``_missed`` sent: who is connected here, and the question to the others."""
        self._say_who()
        self.bus.send(json.dumps({"o": self._origin, "resync": True}))

    def _resync_soon(self) -> None:
        """Catch up once the break's signals are in (RESYNC_SETTLE_SECONDS); those that come
        meanwhile join this catch-up."""
        if self._resync is None:
            self._resync = gevent.spawn_later(RESYNC_SETTLE_SECONDS, self._resync_now)

    def _resync_now(self) -> None:
        self._resync = None
        log.warning("message queue: back after a break; this process's clients catch up")
        try:
            self.on_resync()
        except Exception:
            log.exception("message queue: could not catch up after a break")

    def _forget(self, origin: str) -> set[int]:
        """A process that went quiet: who was connected to it, no longer counted anywhere."""
        self._devices_elsewhere.pop(origin, None)
        self._heard.pop(origin, None)
        return self._elsewhere.pop(origin, set())

    def publish(
        self, event: str, payload: dict[str, Any], to: str | None, skip_sid: str | None = None
    ) -> None:
        if to is not None and self._local.is_local(to):  # one connection, here: nobody else's
            self._local.publish(event, payload, to, skip_sid)
            return
        try:
            encoded = self._local.encode(event, payload)
        except TypeError:  # bytes: Parley's events carry none; this process's own still get it
            log.error("message queue: %s holds bytes; sent to this process's clients only", event)
            self._local.publish(event, payload, to, skip_sid)
            return
        self._local.deliver(encoded, to, skip_sid)
        header = json.dumps({"o": self._origin, "to": to, "skip": skip_sid})
        self.bus.send(header + "\n" + encoded)

    def publish_each(self, event: str, payload: dict[str, Any], sids: Iterable[str]) -> None:
        """Connections of this process only (those a window tells): nothing goes to Redis."""
        self._local.publish_each(event, payload, sids)

    def tell(self, action: str, args: list[Any]) -> None:
        self.bus.send(json.dumps({"o": self._origin, "a": action, "args": args}))

    def subscribe(self, sid: str, channel: str) -> None:
        self._local.subscribe(sid, channel)

    def unsubscribe(self, sid: str, channel: str) -> None:
        self._local.unsubscribe(sid, channel)

    def disconnect(self, sid: str) -> None:
        self._local.disconnect(sid)

    def _receive(self, text: str) -> None:
        head, _, encoded = text.partition("\n")
        header = json.loads(head)
        origin = header.get("o")
        if origin == self._origin or not isinstance(origin, str):
            return
        self._heard[origin] = time.monotonic()
        people = self._elsewhere.setdefault(origin, set())
        devices = self._devices_elsewhere.setdefault(origin, set())
        if "a" in header:
            action, args = str(header["a"]), list(header.get("args") or [])
            if action == "online" and args:
                people.add(int(args[0]))
                devices.update(int(d) for d in args[1:2])
            elif action == "offline" and args:
                people.discard(int(args[0]))
                devices.difference_update(int(d) for d in args[1:2])
            elif action == "device_offline" and args:
                devices.discard(int(args[0]))
            self.on_request(action, args)
            return
        if "on" in header:
            try:
                people, devices = id_sets.decode(header["on"]), id_sets.decode(header.get("dev"))
            except ValueError as exc:
                # Every 2 s from a process of another version: said once per process, no trace.
                if origin not in self._unreadable:
                    self._unreadable.add(origin)
                    log.warning(
                        "message queue: process %s says who is connected in a form this one "
                        "cannot read (%s); run one version on every process",
                        origin,
                        exc,
                    )
                return
            self._elsewhere[origin], self._devices_elsewhere[origin] = people, devices
            return
        if isinstance(header.get("gone"), str):  # the survivor that says a lapse says it first
            if header["gone"] != self._origin:
                self._forget(header["gone"])
            return
        if header.get("resync"):  # its texts were dropped during a break (it asks who, too)
            self._resync_soon()
        if header.get("hello") or header.get("resync"):  # a process started, or is back
            self._say_who()
            return
        self._local.deliver(encoded, header.get("to"), header.get("skip"))

    def close(self) -> None:
        self._beat.kill(block=False)
        if self._resync is not None:
            self._resync.kill(block=False)
        self.bus.close()


# A token bucket kept in Redis (one hash per key: tokens and when they were counted), so every
# process takes from the same one. Redis's clock, so the processes' clocks need not agree.
_TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = math.min(burst, (tonumber(state[1]) or burst) + (now - (tonumber(state[2]) or now)) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""
# Redis unreachable: this process's own buckets for this long before Redis is tried again.
SHARED_RETRY_SECONDS = 5.0


class SharedBuckets(TokenBuckets):
    """``TokenBuckets`` shared by every process through Redis: a person's sends are limited once,
    whichever processes their devices are connected to. The Redis call runs off the hub
    (``offload``); while Redis is unreachable this process's own buckets stand in."""

    def __init__(
        self, rate: float, burst: int, url: str, prefix: str, offload: Callable[..., Any]
    ) -> None:
        super().__init__(rate, burst)
        import redis  # only a host with a message queue needs it

        self._errors = redis.RedisError
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._script = client.register_script(_TAKE)
        self._args = [rate, burst]
        self._prefix = prefix
        self._offload = offload
        self._local_until = 0.0

    def take(self, key: Hashable) -> float:
        if time.monotonic() >= self._local_until:
            try:
                return float(self._offload(self._run, f"{self._prefix}:{key}"))
            except self._errors as exc:
                log.warning("message queue: rate limits on this process alone for now (%s)", exc)
                self._local_until = time.monotonic() + SHARED_RETRY_SECONDS
        return super().take(key)

    def forget(self, key: Hashable) -> None:
        """Nothing: the person may still be connected to another process; Redis lets an unused
        bucket expire by itself once it would be full again."""
        super().forget(key)

    def _run(self, key: str) -> Any:
        return self._script(keys=[key], args=self._args)
