// The client side of a websocket (RFC 6455) over a plain TCP socket, as little as a listener needs.
//
// For lite.js's listeners: each message is handed over as a Buffer view of the bytes read, while
// still inside the read callback, with no stream in between. Node's `onread` option (net.connect)
// reads every socket of the process into one buffer and calls back directly, without a Readable
// stream, a Buffer per read or a `data` event; the npm `ws` client adds a Writable stream of its own
// (its Receiver) on top of all those. Measured in the big crowd row (bench/crowds.py, 10,000
// listeners): 10-12 µs of generator CPU per delivery over this, 12-13 µs over `ws`, 26-30 µs over
// socket.io-client (docs/benchmarks.md, crowds_notes).
//
// What it does not do, because Parley's host never asks for it: TLS (ws:// only), extensions
// (no permessage-deflate is offered), binary messages (dropped), server-masked frames (an error).
"use strict";
const crypto = require("crypto");
const net = require("net");

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const TEXT = 0x1;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
// One read buffer for every socket of the process: each read is handled before the next one.
const READ = Buffer.allocUnsafe(256 * 1024);
const MAX_MESSAGE = 16 * 1024 * 1024;

// One masked client→server frame (RFC 6455 §5.2: a client masks every frame it sends).
function clientFrame(opcode, payload) {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = crypto.randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < n; i++) out[head + 4 + i] = payload[i] ^ mask[i & 3];
  return out;
}

class RawWebSocket {
  // url: ws://host:port/path?query. on: { open(), message(buf), close(), error(err) }; `message`
  // gets a view of the shared read buffer, valid only until it returns.
  constructor(url, on) {
    const u = new URL(url);
    if (u.protocol !== "ws:") throw new Error(`rawws speaks ws:// only, not ${u.protocol}`);
    this.on = on;
    this.key = crypto.randomBytes(16).toString("base64");
    this.upgraded = false;
    this.pending = null; // bytes of a frame (or of the handshake's answer) not all read yet
    this.fragments = null;
    this.closed = false;
    this.sock = net.connect({
      host: u.hostname,
      port: Number(u.port) || 80,
      onread: { buffer: READ, callback: (n) => this.read(n) },
    });
    this.sock.setNoDelay(true);
    this.sock.on("connect", () =>
      this.sock.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    this.sock.on("error", (err) => this.on.error(err));
    this.sock.on("close", () => {
      this.closed = true;
      this.on.close();
    });
  }

  read(n) {
    let data = READ;
    let end = n;
    if (this.pending) {
      data = Buffer.concat([this.pending, READ.subarray(0, n)]);
      end = data.length;
      this.pending = null;
    }
    let i = this.upgraded ? 0 : this.handshake(data, end);
    if (i < 0) return;
    while (i < end) {
      const used = this.frame(data, i, end);
      if (used === 0) break;
      if (used < 0) return;
      i += used;
    }
    if (i < end) {
      if (end - i > MAX_MESSAGE) return this.fail(new Error("a message over 16 MB"));
      this.pending = Buffer.from(data.subarray(i, end)); // a copy: READ is reused by the next read
    }
  }

  handshake(data, end) {
    // The server's 101 answer; returns where the frames start, or -1 (not all here, or refused).
    const stop = data.subarray(0, end).indexOf("\r\n\r\n");
    if (stop < 0) {
      this.pending = Buffer.from(data.subarray(0, end));
      return -1;
    }
    const head = data.latin1Slice(0, stop);
    const accept = crypto.createHash("sha1").update(this.key + GUID).digest("base64");
    if (!/^HTTP\/1\.1 101 /.test(head) || !new RegExp(`^sec-websocket-accept: *${accept.replace(/[+/]/g, "\\$&")} *$`, "im").test(head)) {
      this.fail(new Error(`websocket upgrade refused: ${head.split("\r\n")[0]}`));
      return -1;
    }
    this.upgraded = true;
    this.on.open();
    return stop + 4;
  }

  frame(data, i, end) {
    // One frame at data[i..]: its length in bytes, 0 if not all read yet, -1 if the peer broke
    // the protocol (the socket is then closed).
    if (end - i < 2) return 0;
    const b0 = data[i];
    const b1 = data[i + 1];
    if (b1 & 0x80) return this.fail(new Error("a server frame is never masked"));
    let len = b1 & 0x7f;
    let head = 2;
    if (len === 126) {
      if (end - i < 4) return 0;
      len = data.readUInt16BE(i + 2);
      head = 4;
    } else if (len === 127) {
      if (end - i < 10) return 0;
      len = Number(data.readBigUInt64BE(i + 2));
      head = 10;
    }
    if (len > MAX_MESSAGE) return this.fail(new Error("a message over 16 MB"));
    if (end - i < head + len) return 0;
    const payload = data.subarray(i + head, i + head + len);
    const opcode = b0 & 0x0f;
    const fin = b0 & 0x80;
    if (opcode === TEXT && fin && !this.fragments) this.on.message(payload);
    else if (opcode === TEXT || (opcode === CONTINUATION && this.fragments)) {
      this.fragments = [...(this.fragments || []), Buffer.from(payload)];
      if (fin) {
        const whole = Buffer.concat(this.fragments);
        this.fragments = null;
        this.on.message(whole);
      }
    } else if (opcode === PING) this.sock.write(clientFrame(0xa, payload));
    else if (opcode === CLOSE) {
      this.close();
      return -1;
    }
    return head + len;
  }

  send(text) {
    if (!this.closed && this.upgraded) this.sock.write(clientFrame(TEXT, Buffer.from(text)));
  }

  close() {
    if (this.closed) return;
    if (this.upgraded) this.sock.end(clientFrame(CLOSE, Buffer.from([0x03, 0xe8]))); // 1000
    else this.sock.destroy();
  }

  terminate() {
    this.sock.destroy();
  }

  fail(err) {
    this.on.error(err);
    this.sock.destroy();
    return -1;
  }
}

module.exports = { RawWebSocket };
