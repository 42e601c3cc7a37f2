// A light Socket.IO client for the big crowd's listeners (bench/crowds.py, 10,000 clients).
//
// socket.io-client spends ~25 µs of CPU per message it receives (engine.io-client's transport,
// socket.io's decoder, a JSON.parse of the whole message, its event emitter); a listener of the
// big row receives 20,000 messages a second between the generator processes, all on one core, so
// the generators, not the host, set the row's p99. This client speaks just enough Engine.IO v4
// and Socket.IO v5 over a raw websocket (rawws.js) to be one of Parley's clients: `0{…}` open →
// `40{auth}` connect, `40{…}` connected or `44{…}` refused, `2` ping → `3` pong, `42[…]` events,
// `42N[…]` emits with an ack and `43N[…]` the acks. A `message_created` is never parsed: its
// stamp (the number before `|` in its text) is read from the frame's bytes and handed to
// `onStamp`; every other event is parsed and emitted as socket.io-client would.
//
// The slice of socket.io-client's API that loadgen.js's crowd clients use: `on(event, fn)` (with
// "connect_error", "disconnect", and the server's events), `timeout(ms).emit(event, data, cb)`,
// `disconnect()`, the `auth` callback read at each (re)connect, and the same reconnection
// (`reconnectionDelay` doubling to `reconnectionDelayMax`, each jittered by
// ±`randomizationFactor`) after a refused, timed-out or dropped connection.
"use strict";
const { EventEmitter } = require("events");
const { RawWebSocket } = require("./rawws");

const MESSAGE_HEAD = Buffer.from('42["message_created",');
// A message's top-level text comes before any nested object that has a text of its own
// (`reply_to`, docs/protocol.md), and no JSON string holds an unescaped `"`: the first match is
// the message's own text.
const TEXT_KEY = Buffer.from('"text":"');
const PIPE = 0x7c;
const DOT = 0x2e;

// The send time of a `message_created` frame (its text starts with `<ms>.<µs>|`, loadgen.js
// stamped()), or null for any other frame. Read digit by digit from the bytes: no string is made.
// Measured on this machine (node 20, one core), per frame: 0.31 µs, against 0.36 µs for a string
// and indexOf and 1.1 µs for a JSON.parse of the message; all small beside what it replaces.
function frameStamp(buf) {
  if (buf.length < MESSAGE_HEAD.length || buf.compare(MESSAGE_HEAD, 0, MESSAGE_HEAD.length, 0, MESSAGE_HEAD.length) !== 0) {
    return null;
  }
  const at = buf.indexOf(TEXT_KEY, MESSAGE_HEAD.length);
  if (at < 0) return NaN;
  let value = 0;
  let scale = 0;
  for (let i = at + TEXT_KEY.length; i < buf.length; i++) {
    const ch = buf[i];
    if (ch === PIPE) return scale ? value / scale : value;
    if (ch === DOT && !scale) scale = 1;
    else if (ch >= 0x30 && ch <= 0x39) {
      value = value * 10 + (ch - 0x30);
      if (scale) scale *= 10;
    } else return NaN;
  }
  return NaN;
}

class LiteSocket extends EventEmitter {
  // opts: auth (a function given a callback, as socket.io-client's), reconnectionDelay,
  // reconnectionDelayMax, randomizationFactor, timeout (the connect timeout, ms). http:// only.
  constructor(url, opts) {
    super();
    const u = new URL(url);
    u.protocol = "ws:";
    u.pathname = "/socket.io/";
    u.search = "?EIO=4&transport=websocket";
    this.url = u.toString();
    this.opts = opts;
    this.onStamp = null; // (ms) => void, for every message_created
    this.acks = new Map();
    this.nextAck = 0;
    this.attempts = 0;
    this.closed = false; // disconnect() was called: no more reconnects
    this.connected = false;
    this.open();
  }

  open() {
    const ws = new RawWebSocket(this.url, {
      open: () => {},
      message: (buf) => {
        const stamp = frameStamp(buf);
        if (stamp !== null) {
          if (this.onStamp) this.onStamp(stamp);
          return;
        }
        this.packet(ws, buf.toString(), timer);
      },
      error: (err) => this.fail(ws, err),
      close: () => {
        clearTimeout(timer);
        if (ws !== this.ws) return;
        if (this.connected) {
          this.connected = false;
          this.emit("disconnect", "transport close");
        }
        this.retry();
      },
    });
    this.ws = ws;
    const timer = setTimeout(() => this.fail(ws, new Error("timeout")), this.opts.timeout || 30000);
  }

  packet(ws, s, timer) {
    if (s === "2") ws.send("3");
    else if (s[0] === "0") this.opts.auth((auth) => ws.send("40" + JSON.stringify(auth)));
    else if (s.startsWith("42")) {
      const [event, data] = JSON.parse(s.slice(2));
      this.emit(event, data);
    } else if (s.startsWith("43")) {
      const open = s.indexOf("[");
      const id = Number(s.slice(2, open));
      const cb = this.acks.get(id);
      if (cb) {
        this.acks.delete(id);
        cb(null, JSON.parse(s.slice(open))[0]);
      }
    } else if (s.startsWith("40")) {
      clearTimeout(timer);
      this.connected = true;
      this.attempts = 0;
    } else if (s.startsWith("44")) {
      const body = JSON.parse(s.slice(2));
      const err = new Error(body.message);
      err.data = body.data;
      this.fail(ws, err);
    } else if (s === "1" || s.startsWith("41")) ws.close();
  }

  fail(ws, err) {
    // A refused or timed-out connect: told as socket.io-client tells it, then retried (close).
    if (ws !== this.ws || this.connected || ws.failed) return;
    ws.failed = true; // a refusal can come as an error and then as a close: told once
    this.emit("connect_error", err);
    ws.terminate();
  }

  retry() {
    if (this.closed) return;
    const { reconnectionDelay = 500, reconnectionDelayMax = 3000, randomizationFactor = 0.5 } = this.opts;
    const base = Math.min(reconnectionDelayMax, reconnectionDelay * 2 ** this.attempts++);
    const jitter = base * randomizationFactor * (2 * Math.random() - 1);
    setTimeout(() => {
      if (!this.closed) this.open();
    }, Math.min(reconnectionDelayMax, base + jitter));
  }

  timeout(ms) {
    return {
      emit: (event, data, cb) => {
        const id = this.nextAck++;
        const timer = setTimeout(() => {
          this.acks.delete(id);
          cb(new Error("operation has timed out"));
        }, ms);
        this.acks.set(id, (err, ack) => {
          clearTimeout(timer);
          cb(err, ack);
        });
        this.ws.send(`42${id}` + JSON.stringify([event, data]));
      },
    };
  }

  disconnect() {
    this.closed = true;
    this.connected = false;
    this.ws.close();
  }
}

module.exports = { LiteSocket, frameStamp };
