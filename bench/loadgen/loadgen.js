// One load generator for Parley's host and the reference servers (bench/).
//
// node loadgen.js '<json params>'   → prints one JSON object (the results) as its last stdout line.
//
// Modes (params.mode):
//   scenario  connect clients in steps (e.g. 50 → 200 → 500 → 2000, one crowd that grows) and at
//             each step measure: set-up rate, server RSS, fan-out latency at each send rate (10
//             senders, open loop), and optionally burst capacity (senders flat out, a few sends in
//             flight each).
//   echo      one client, one acked event at a time: round-trip p50/p99.
//   rawecho   one raw WebSocket (npm ws) text frame at a time against an echo server: the floor.
//   acked     S senders, each in a room of its own, each waiting for its ack before the next send.
//   crowd     N clients arrive, then chat load (params.chat) or a restart storm (params.storm);
//             with params.lite every client but the senders is lite.js's raw-websocket client.
//   blip      N clients of one of several host processes through a Redis outage (bench/blip.py).
//
// Both servers speak the same subset of Parley's protocol: auth {name} → `welcome` (rooms, with
// `general`), `send_message {room_id, text, client_id}` → ack + `message_created` to the room,
// `create_room {name}` → ack {room}. Websocket transport only; loopback only. Every loop is bounded
// in count and in time (params.deadline_s kills the run and reports what it has).
"use strict";
const fs = require("fs");
const { io } = require("socket.io-client");
const WebSocket = require("ws");
const { LiteSocket } = require("./lite");

const P = JSON.parse(process.argv[2] || "{}");
// An https:// server (Parley over TLS): trust exactly its own certificate (params.ca, a PEM file;
// the host's self-signed certificate names 127.0.0.1), as a pinned client would, not "any".
const TLS = P.ca ? { ca: fs.readFileSync(P.ca), rejectUnauthorized: true } : {};
const T0 = performance.now();
const TEXT_BYTES = 64;
const CLK_TCK = 100; // Linux USER_HZ

// ---------------------------------------------------------------------------------------------
// measurement helpers

class Histogram {
  // Buckets of `res` ms (default 10 µs; 1 µs for single round trips, where 10 µs would be a
  // seventh of the raw WebSocket floor) up to 2 s, then 1 ms buckets up to 62 s; values in ms.
  constructor(res = 0.01) {
    this.res = res;
    this.fine = new Uint32Array(Math.round(2000 / res));
    this.coarse = new Uint32Array(60000);
    this.n = 0;
    this.max = 0;
  }
  add(ms) {
    this.n++;
    if (ms > this.max) this.max = ms;
    if (ms < 0) ms = 0;
    if (ms < 2000) this.fine[Math.floor(ms / this.res)]++;
    else this.coarse[Math.min(59999, Math.floor(ms - 2000))]++;
  }
  pct(q) {
    if (!this.n) return null;
    const want = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < this.fine.length; i++) {
      seen += this.fine[i];
      if (seen >= want) return (i + 0.5) * this.res;
    }
    for (let i = 0; i < this.coarse.length; i++) {
      seen += this.coarse[i];
      if (seen >= want) return 2000 + i + 0.5;
    }
    return this.max;
  }
  summary() {
    return { n: this.n, p50_ms: this.pct(0.5), p99_ms: this.pct(0.99), max_ms: this.n ? this.max : null };
  }
}

class Timeline {
  // Per message: when its first and its last recipient had it (ms after the send). The first is
  // the server's own path (receive, store, start the broadcast); first → last is the broadcast
  // spreading over every recipient, bounded by how fast one process reads N sockets.
  constructor() {
    this.seen = new Map();
  }
  add(clientId, ms) {
    const e = this.seen.get(clientId);
    if (e) e.last = ms;
    else this.seen.set(clientId, { first: ms, last: ms });
  }
  summary() {
    const med = (v) => (v.length ? v.sort((a, b) => a - b)[Math.floor(v.length / 2)] : null);
    const all = [...this.seen.values()];
    return {
      first_p50_ms: med(all.map((e) => e.first)),
      spread_p50_ms: med(all.map((e) => e.last - e.first)),
    };
  }
}

function procTicks(pid) {
  // utime + stime of every thread of the process, in seconds (summed over a list of processes:
  // bench/cluster.py's host processes, Redis and HAProxy).
  if (Array.isArray(pid)) return pid.reduce((sum, p) => sum + procTicks(p), 0);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function procRssKb(pid) {
  if (Array.isArray(pid)) return pid.reduce((sum, p) => sum + (procRssKb(p) || 0), 0);
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : null;
}

class Window {
  // Server CPU (all threads, from /proc) and this process's CPU over a stretch of wall time.
  constructor(pid) {
    this.pid = pid;
    this.wall = performance.now();
    this.server = pid ? procTicks(pid) : 0;
    this.gen = process.cpuUsage();
  }
  end() {
    const wall = (performance.now() - this.wall) / 1000;
    const server = this.pid ? procTicks(this.pid) - this.server : null;
    const g = process.cpuUsage(this.gen);
    const gen = (g.user + g.system) / 1e6;
    return {
      wall_s: wall,
      server_cpu_s: server,
      server_cpu_pct: server === null ? null : (100 * server) / wall,
      gen_cpu_pct: (100 * gen) / wall,
    };
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const elapsedS = () => (now() - T0) / 1000;

function stamped(t) {
  // A 64-character text that carries its send time (ms, performance.now() of this process).
  const head = t.toFixed(3) + "|";
  return head + "x".repeat(TEXT_BYTES - head.length);
}

function sentAt(text) {
  return Number(text.slice(0, text.indexOf("|")));
}

// Hard bound on the whole run: report what we have and leave.
const results = { mode: P.mode, kind: P.kind, steps: [], errors: [] };
let finished = false;
function finish(extra) {
  if (finished) return;
  finished = true;
  Object.assign(results, extra || {});
  results.elapsed_s = elapsedS();
  process.stdout.write(JSON.stringify(results) + "\n", () => process.exit(0));
}
setTimeout(() => {
  results.errors.push(`deadline of ${P.deadline_s} s reached; results are partial`);
  finish({ partial: true });
}, (P.deadline_s || 600) * 1000).unref();

// ---------------------------------------------------------------------------------------------
// clients

let seq = 0;
function connectClient(name) {
  return new Promise((resolve, reject) => {
    const sock = io(P.url, {
      transports: ["websocket"],
      auth: { name },
      reconnection: false,
      forceNew: true,
      timeout: 30000,
      ...TLS,
    });
    const timer = setTimeout(() => reject(new Error(`connect timeout for ${name}`)), 60000);
    sock.once("welcome", (w) => {
      clearTimeout(timer);
      const general = (w.rooms || []).find((r) => r.name === "general");
      resolve({ sock, name, general: general ? general.id : 1, last: general ? general.last_message_id || 0 : 0 });
    });
    sock.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(new Error(`connect_error for ${name}: ${err.message} ${JSON.stringify(err.data || {})}`));
    });
  });
}

async function connectMany(clients, count, concurrency, tag) {
  // Grow `clients` to `count`, `concurrency` handshakes in flight.
  let next = clients.length;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      clients[i] = await connectClient(`${tag}${i}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function emitAck(sock, event, data, timeoutMs = 30000) {
  return new Promise((resolve) => {
    sock.timeout(timeoutMs).emit(event, data, (err, ack) => resolve(err ? { ok: false, error: { code: "timeout" } } : ack));
  });
}

// ---------------------------------------------------------------------------------------------
// scenario: one crowd, growing in steps

async function scenario() {
  const clients = [];
  const pid = P.server_pid;
  const hist = { current: null, timeline: null };
  let delivered = 0;
  const attach = (c) => {
    c.sock.on("message_created", (m) => {
      delivered++;
      if (hist.current) {
        const ms = now() - sentAt(m.text);
        hist.current.add(ms);
        hist.timeline.add(m.client_id, ms);
      }
    });
  };
  results.rss_base_kb = procRssKb(pid);
  for (const n of P.steps) {
    if (elapsedS() > P.deadline_s - 30) {
      results.errors.push(`skipped N=${n}: out of time`);
      break;
    }
    const step = { n, fanout: [], burst: null };
    const have = clients.length;
    const w = new Window(pid);
    await connectMany(clients, n, P.connect_concurrency || 20, P.tag || "u");
    const cw = w.end();
    for (let i = have; i < n; i++) attach(clients[i]);
    step.connect = { added: n - have, per_s: (n - have) / cw.wall_s, ...cw };
    await sleep(500); // presence broadcasts from the last joins settle
    step.rss_kb = procRssKb(pid);
    const senders = clients.slice(0, P.senders);
    for (const rate of P.rates) {
      step.fanout.push(await fanout(senders, n, rate, hist, () => delivered));
    }
    if ((P.burst_at || []).includes(n)) step.burst = await burst(senders, n, () => delivered);
    results.steps.push(step);
    process.stderr.write(`step ${n} done at ${elapsedS().toFixed(1)} s\n`);
  }
  results.rss_end_kb = procRssKb(pid);
  for (const c of clients) c.sock.disconnect();
  finish();
}

async function fanout(senders, n, rate, hist, deliveredNow) {
  // Open loop: each sender sends `rate` per second on its own schedule for `fanout_s` seconds.
  const h = new Histogram();
  const timeline = new Timeline();
  const start0 = deliveredNow();
  hist.current = h;
  hist.timeline = timeline;
  const w = new Window(P.server_pid);
  const period = 1000 / rate;
  let sent = 0;
  let ackErrors = 0;
  const acks = [];
  const tEnd = now() + P.fanout_s * 1000;
  await Promise.all(
    senders.map(async (c, k) => {
      let next = now() + (period * k) / senders.length; // spread the senders over one period
      while (true) {
        const wait = next - now();
        if (wait > 0) await sleep(wait);
        if (now() >= tEnd) return;
        const t = now();
        const id = `f${rate}-${k}-${seq++}`;
        sent++;
        acks.push(
          emitAck(c.sock, "send_message", { room_id: c.general, text: stamped(t), client_id: id }).then((a) => {
            if (!a || !a.ok) ackErrors++;
          }),
        );
        next += period;
      }
    }),
  );
  await Promise.all(acks);
  const expected = sent * n;
  const drainBy = now() + (P.drain_s || 15) * 1000;
  while (deliveredNow() - start0 < expected && now() < drainBy) await sleep(20);
  const cw = w.end();
  hist.current = null;
  const got = deliveredNow() - start0;
  return {
    rate,
    sent,
    expected,
    delivered: got,
    ack_errors: ackErrors,
    ...h.summary(),
    ...timeline.summary(),
    ...cw,
    server_us_per_delivery: cw.server_cpu_s === null || !got ? null : (1e6 * cw.server_cpu_s) / got,
  };
}

async function burst(senders, n, deliveredNow) {
  // Senders flat out, `burst_inflight` unacked sends each, for `burst_s`; deliveries/s received.
  const start0 = deliveredNow();
  const w = new Window(P.server_pid);
  const tEnd = now() + P.burst_s * 1000;
  let sent = 0;
  let ackErrors = 0;
  await Promise.all(
    senders.map((c, k) =>
      Promise.all(
        Array.from({ length: P.burst_inflight || 4 }, async (_, j) => {
          while (now() < tEnd && sent < (P.burst_max_sends || 200000)) {
            sent++;
            const a = await emitAck(c.sock, "send_message", {
              room_id: c.general,
              text: stamped(now()),
              client_id: `b-${k}-${j}-${seq++}`,
            });
            if (!a || !a.ok) ackErrors++;
          }
        }),
      ),
    ),
  );
  const inWindow = deliveredNow() - start0;
  const cw = w.end();
  const expected = sent * n;
  const drainBy = now() + (P.drain_s || 15) * 1000;
  while (deliveredNow() - start0 < expected && now() < drainBy) await sleep(20);
  return {
    sent,
    expected,
    delivered_in_window: inWindow,
    delivered: deliveredNow() - start0,
    ack_errors: ackErrors,
    deliveries_per_s: inWindow / cw.wall_s,
    sends_per_s: sent / cw.wall_s,
    ...cw,
    server_us_per_delivery: cw.server_cpu_s === null || !inWindow ? null : (1e6 * cw.server_cpu_s) / inWindow,
  };
}

// ---------------------------------------------------------------------------------------------
// echo, raw echo, acked sends

async function echo() {
  const c = await connectClient(`${P.tag || "echo"}`);
  let room = c.general;
  if (P.own_room) {
    const a = await emitAck(c.sock, "create_room", { name: `${P.tag || "echo"}-room` });
    room = a.room.id;
  }
  const payload = (i) => {
    if (P.event === "send_message") return { room_id: room, text: stamped(now()), client_id: `e-${i}` };
    if (P.event === "echo") return { text: stamped(now()) };
    return { room_id: room };
  };
  const h = new Histogram(0.001);
  const outcomes = {};
  const w = new Window(P.server_pid);
  const tEnd = now() + P.duration_s * 1000;
  for (let i = 0; i < P.warmup + P.count && now() < tEnd; i++) {
    const t = now();
    const a = await emitAck(c.sock, P.event, payload(i));
    const dt = now() - t;
    if (i >= P.warmup) {
      h.add(dt);
      const key = a && a.ok === false ? a.error.code : "ok";
      outcomes[key] = (outcomes[key] || 0) + 1;
    }
  }
  const cw = w.end();
  c.sock.disconnect();
  finish({ event: P.event, outcomes, ...h.summary(), ...cw });
}

async function rawEcho() {
  const ws = new WebSocket(P.url, { perMessageDeflate: false });
  ws.on("error", (e) => {
    results.errors.push(String(e));
    finish();
  });
  await new Promise((r) => ws.once("open", r));
  const h = new Histogram(0.001);
  const w = new Window(P.server_pid);
  const tEnd = now() + P.duration_s * 1000;
  const text = stamped(0);
  for (let i = 0; i < P.warmup + P.count && now() < tEnd; i++) {
    const t = now();
    await new Promise((r) => {
      ws.once("message", r);
      ws.send(text);
    });
    if (i >= P.warmup) h.add(now() - t);
  }
  const cw = w.end();
  ws.close();
  finish({ ...h.summary(), ...cw });
}

async function acked() {
  const clients = [];
  await connectMany(clients, P.senders, P.senders, P.tag || "a");
  const rooms = [];
  for (const c of clients) {
    const a = await emitAck(c.sock, "create_room", { name: `${c.name.toLowerCase()}-own` });
    if (!a || !a.ok) throw new Error(`create_room failed: ${JSON.stringify(a)}`);
    rooms.push(a.room.id);
  }
  const h = new Histogram();
  let sent = 0;
  let errors = 0;
  const w = new Window(P.server_pid);
  const tEnd = now() + P.duration_s * 1000;
  await Promise.all(
    clients.map(async (c, k) => {
      let i = 0;
      while (now() < tEnd && sent < P.max_sends) {
        sent++;
        const t = now();
        const a = await emitAck(c.sock, "send_message", {
          room_id: rooms[k],
          text: stamped(t),
          client_id: `d-${k}-${i++}`,
        });
        h.add(now() - t);
        if (!a || !a.ok) errors++;
      }
    }),
  );
  const cw = w.end();
  for (const c of clients) c.sock.disconnect();
  finish({ senders: P.senders, sent, errors, per_s: h.n / cw.wall_s, ...h.summary(), ...cw });
}

// ---------------------------------------------------------------------------------------------
// crowd: N clients arrive (set-up rate, RSS per client), then optionally a restart storm

// Wall-clock ms (sub-ms resolution): comparable with the bench's own time.time() and across
// generator processes on this machine.
const epochMs = () => performance.timeOrigin + performance.now();

function crowdClient(name, stats, lite) {
  // Reconnects as the UI does (ui/src/lib/socket.ts: 500 ms doubling to 3 s, each delay jittered
  // by ±50 %), with the token from its first welcome; after every later welcome it resyncs the
  // way the UI does for a room it holds (fetch_messages after its newest id, fetch_changes after
  // its rev) and counts as back only once both are answered. On a big host (a welcome with
  // `users_complete` false) it also names the people it shows, as the UI does after every welcome
  // (ui/src/features/chat/api/presence-watch.ts: the open room's latest authors and the people it
  // lists, here those its first welcome named, at most 200), and is back once that is answered too.
  // A `lite` client (lite.js) joins, answers pings and is timed the same, but reads no message
  // beyond its stamp: the big row's listeners, which never resync (no storm with params.lite).
  const c = { name, joinAs: name, token: null, general: 1, lastId: 0, rev: 0, welcomes: 0, back: null, down: false, me: 0, shown: [], authors: [] };
  const opts = {
    auth: (cb) => cb(c.token ? { token: c.token } : { name: c.joinAs }),
    reconnection: true,
    reconnectionDelay: 500,
    reconnectionDelayMax: 3000,
    randomizationFactor: 0.5,
    timeout: 30000,
  };
  c.sock = lite ? new LiteSocket(P.url, opts) : io(P.url, { ...opts, transports: ["websocket"], forceNew: true, ...TLS });
  c.ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connect timeout for ${name}`)), P.connect_timeout_ms || 60000);
    // Counted, and retried by the backoff above (as the UI would); the timer bounds the wait.
    c.sock.on("connect_error", (err) => {
      stats.connect_errors++;
      const code = err.data ? err.data.code : undefined;
      if (stats.connect_error_samples.length < 5) stats.connect_error_samples.push(`${name}: ${err.message}${code ? ` (${code})` : ""}`);
      // A join the host made but whose welcome came after the client's 30 s timeout: its retry
      // finds the name taken (by itself), as a person's would; like a person, it picks another.
      if (code === "name_taken" && !c.token) c.joinAs = `${c.joinAs}+`;
    });
    c.sock.on("welcome", async (w) => {
      c.welcomes++;
      if (w.token) c.token = w.token;
      const general = (w.rooms || []).find((r) => r.name === "general");
      if (general) c.general = general.id;
      stats.users_in_welcome.push((w.users || []).length);
      if (c.welcomes === 1) {
        c.me = w.user ? w.user.id : 0;
        c.shown = (w.users || []).map((u) => u.id).filter((id) => id !== c.me).slice(0, 200);
      }
      const watch = P.watch && w.users_complete === false ? watchShown(c) : null;
      if (c.welcomes === 1) {
        clearTimeout(timer);
        resolve(c);
        return;
      }
      stats.last_welcome = Math.max(stats.last_welcome, epochMs());
      if (P.resync) {
        const m = await emitAck(c.sock, "fetch_messages", { room_id: c.general, after_id: c.lastId });
        const ch = await emitAck(c.sock, "fetch_changes", { room_id: c.general, after_rev: c.rev });
        if (!m.ok || !ch.ok) {
          stats.resync_errors.push(JSON.stringify(m.ok ? ch : m).slice(0, 200));
          return;
        }
        for (const msg of m.messages) c.lastId = Math.max(c.lastId, msg.id);
        c.rev = Math.max(c.rev, ch.rev || 0, m.rev || 0);
        stats.resynced_messages += m.messages.length;
      }
      if (watch !== null && !(await watch).ok) {
        stats.resync_errors.push("watch_users failed");
        return;
      }
      if (c.back === null) {
        c.back = epochMs();
        stats.back++;
      }
    });
  });
  if (!lite) {
    c.sock.on("message_created", (m) => {
      c.lastId = Math.max(c.lastId, m.id);
      if (m.author && !c.authors.includes(m.author.id)) c.authors = [...c.authors, m.author.id].slice(-50);
    });
  }
  c.sock.on("users_changed", () => stats.user_frames++);
  c.sock.on("presence_changed", () => stats.user_frames++);
  c.sock.on("user_created", () => stats.user_frames++);
  c.sock.on("disconnect", () => {
    if (!c.down) {
      c.down = true;
      stats.first_down = stats.first_down || epochMs();
      stats.last_down = epochMs();
      stats.down++;
    }
  });
  return c;
}

// The people a crowd client shows, most wanted first: latest authors, then those it lists; and,
// as the UI does for the open room it is a member of, the room whose online count it shows.
function watchShown(c) {
  const ids = [...new Set([...c.authors, ...c.shown])].filter((id) => id !== c.me).slice(0, 500);
  return emitAck(c.sock, "watch_users", { ids, room_id: c.general });
}

async function crowd() {
  if (P.lite && P.storm) throw new Error("lite clients do not resync: no storm with params.lite");
  if (P.lite && P.ca) throw new Error("lite clients speak plain ws:// only: no params.ca with params.lite");
  const pid = P.server_pid;
  const stats = {
    connect_errors: 0, connect_error_samples: [], users_in_welcome: [], user_frames: 0, last_welcome: 0, back: 0, down: 0,
    first_down: 0, last_down: 0, resynced_messages: 0, resync_errors: [],
  };
  const clients = [];
  results.rss_base_kb = procRssKb(pid);
  const w = new Window(pid);
  let next = 0;
  const worker = async () => {
    while (next < P.n) {
      const i = next++;
      const lite = Boolean(P.lite) && i >= ((P.chat && P.chat.senders) || 0);
      clients[i] = await crowdClient(`${P.tag || "c"}${i}`, stats, lite).ready;
      results.connected = (results.connected || 0) + 1; // reported even when the deadline ends it
    }
  };
  const bound = P.connect_deadline_s
    ? setTimeout(() => {
        results.errors.push(`${results.connected || 0} of ${P.n} connected within ${P.connect_deadline_s} s`);
        finish({ partial: true, connect_errors: stats.connect_errors, connect_error_samples: stats.connect_error_samples });
      }, P.connect_deadline_s * 1000)
    : null;
  await Promise.all(Array.from({ length: P.concurrency || 20 }, worker));
  if (bound) clearTimeout(bound);
  const cw = w.end();
  results.connect = { added: P.n, per_s: P.n / cw.wall_s, errors: stats.connect_errors, error_samples: stats.connect_error_samples, ...cw };
  await sleep(1000); // the last arrivals' users_changed settle
  results.rss_kb = procRssKb(pid);
  const wel = stats.users_in_welcome.slice().sort((a, b) => a - b);
  results.welcome_users_max = wel.length ? wel[wel.length - 1] : null;
  results.user_frames_per_client = stats.user_frames / P.n;
  if (P.chat) await crowdChat(clients);
  if (P.storm) {
    // Something to resync: a few messages everyone holds before the host goes away.
    for (let i = 0; i < 10; i++) {
      await emitAck(clients[0].sock, "send_message", { room_id: clients[0].general, text: stamped(now()), client_id: `s-${i}` });
    }
    await sleep(500);
    stats.users_in_welcome = [];
    const sending = P.storm_senders ? keepSending(clients.slice(0, P.storm_senders)) : null;
    process.stdout.write("READY\n");
    const by = now() + (P.storm_s || 60) * 1000;
    while (!stormOver(stats) && now() < by) await sleep(20);
    results.storm = {
      down: stats.down,
      back: stats.back,
      first_down_ms: stats.first_down,
      last_down_ms: stats.last_down,
      back_ms: clients.map((c) => c.back).filter((t) => t),
      last_welcome_ms: stats.last_welcome,
      last_back_ms: Math.max(...clients.map((c) => c.back || 0)),
      connect_errors: stats.connect_errors,
      resynced_messages: stats.resynced_messages,
      resync_errors: stats.resync_errors.slice(0, 5),
      resync_error_count: stats.resync_errors.length,
      welcome_users_max: stats.users_in_welcome.length ? Math.max(...stats.users_in_welcome) : null,
    };
    if (sending) results.storm.sends = await sending.stop(clients.find((c) => !c.down));
  }
  for (const c of clients) c.sock.disconnect();
  finish();
}

// The whole host restarts (bench/crowds.py): over once every client is back. One process of
// several dies (bench/cluster.py, P.storm_partial): only its clients go down, all at once (their
// sockets close with it); over once every client that went down is back, and nobody else has gone
// down for a second.
function stormOver(stats) {
  if (!P.storm_partial) return stats.back >= P.n;
  return stats.down > 0 && stats.back >= stats.down && epochMs() - stats.last_down > 1000;
}

function keepSending(senders) {
  // Senders go on at P.storm_rate msg/s each through the storm, open loop, as people would: a
  // send while a sender's socket is down waits in socket.io-client's buffer and goes when it is
  // back (the UI's outbox). stop() ends them, waits for their answers (each bounded by its ack
  // timeout), and reads the room's history through `reader`: every acknowledged message must be
  // there once, under the id its ack gave.
  const acked = new Map(); // client_id → message id
  const answers = [];
  let sent = 0;
  let refused = 0;
  let stopped = false;
  const period = 1000 / (P.storm_rate || 2);
  const loops = senders.map(async (c, k) => {
    let next = now() + (period * k) / senders.length;
    for (let i = 0; i < (P.storm_max_sends || 1000) && !stopped; i++) {
      const wait = next - now();
      if (wait > 0) await sleep(wait);
      if (stopped) return;
      const id = `storm-${k}-${i}`;
      sent++;
      answers.push(
        emitAck(c.sock, "send_message", { room_id: c.general, text: stamped(epochMs()), client_id: id }).then((a) => {
          if (a && a.ok) acked.set(id, a.message.id);
          else refused++;
        }),
      );
      next += period;
    }
  });
  return {
    async stop(reader) {
      stopped = true;
      await Promise.all(loops);
      await Promise.all(answers);
      const out = { senders: senders.length, sent, acked: acked.size, unanswered_or_refused: refused };
      if (!reader) return { ...out, error: "no client stayed connected to read the history" };
      const seen = new Map(); // client_id → ids stored under it
      let after = 0;
      for (let page = 0; page < 1000; page++) {
        const a = await emitAck(reader.sock, "fetch_messages", { room_id: reader.general, after_id: after, limit: 200 });
        if (!a || !a.ok) return { ...out, error: `fetch_messages: ${JSON.stringify(a).slice(0, 200)}` };
        for (const m of a.messages) seen.set(m.client_id, [...(seen.get(m.client_id) || []), m.id]);
        if (!a.has_more || !a.messages.length) break;
        after = a.messages[a.messages.length - 1].id;
      }
      let missing = 0;
      let doubled = 0;
      let wrongId = 0;
      for (const [id, messageId] of acked) {
        const ids = seen.get(id) || [];
        if (!ids.length) missing++;
        else if (ids.length > 1) doubled++;
        else if (ids[0] !== messageId) wrongId++;
      }
      const stored = [...seen.keys()].filter((id) => id && id.startsWith("storm-")).length;
      return { ...out, stored, missing, doubled, wrong_id: wrongId };
    },
  };
}

async function crowdChat(clients) {
  // Several generator processes hold one crowd: each says CONNECTED once its share is in, waits
  // for GO on stdin (the bench sends it when all are in), then the one with senders sends at
  // chat load while every client times each message_created from its stamp (epoch ms, so a send
  // from one process is timed in another).
  const lat = [];
  // A delivery whose stamp cannot be read is left out (the row's deliveries then fall short of
  // messages × clients) and said once in the results' errors.
  const timed = (stamp) => {
    if (Number.isFinite(stamp)) lat.push(Math.round((epochMs() - stamp) * 100) / 100);
    else if (!results.errors.includes("a message_created without a readable stamp")) results.errors.push("a message_created without a readable stamp");
  };
  for (const c of clients) {
    if (c.sock instanceof LiteSocket) c.sock.onStamp = timed;
    else c.sock.on("message_created", (m) => timed(sentAt(m.text)));
  }
  process.stdout.write("CONNECTED\n");
  await new Promise((resolve) => {
    process.stdin.on("data", (d) => {
      if (String(d).includes("GO")) resolve();
    });
  });
  const w = new Window(P.server_pid);
  const tEnd = now() + P.chat.seconds * 1000;
  const period = 1000 / (P.chat.rate || 1);
  let sent = 0;
  let ackErrors = 0;
  const senders = clients.slice(0, P.chat.senders || 0);
  await Promise.all(
    senders.map(async (c, k) => {
      let next = now() + (period * k) / senders.length;
      while (true) {
        const wait = next - now();
        if (wait > 0) await sleep(wait);
        if (now() >= tEnd) return;
        sent++;
        const a = await emitAck(c.sock, "send_message", { room_id: c.general, text: stamped(epochMs()), client_id: `k-${P.tag}-${k}-${seq++}` });
        if (!a || !a.ok) ackErrors++;
        next += period;
      }
    }),
  );
  const drainBy = tEnd + (P.chat.drain_s || 10) * 1000;
  while (now() < drainBy && (P.chat.expect === undefined || lat.length < P.chat.expect)) await sleep(50);
  results.chat = { sent, ack_errors: ackErrors, latencies: lat, ...w.end() };
  process.stdout.write("CHATTED\n"); // the bench reads this process's CPU before it exits
}

// ---------------------------------------------------------------------------------------------
// blip (bench/blip.py): N clients of one host process stay connected while the processes' Redis
// is away (the bench stops it, sends through the other process, starts it again). Each catches
// up on `resync` as the UI does (ui/src/features/connection/api/sync.ts): at a random moment
// within `within_ms`, `fetch_messages` after the last id it held. Over once every client has
// caught up (or P.blip_s), then P.quiet_s more to count a second `resync`, if any.

async function blip() {
  const clients = [];
  await connectMany(clients, P.n, P.connect_concurrency || 20, P.tag || "b");
  const st = { told: 0, again: 0, done: 0, found: 0, live: 0, within_ms: [], errors: [] };
  for (const c of clients) {
    c.sock.on("message_created", () => st.live++);
    c.sock.on("resync", (r) => {
      st.told++;
      if (c.toldAt) return void st.again++;
      c.toldAt = epochMs();
      st.within_ms.push(r.within_ms);
      setTimeout(async () => {
        const a = await emitAck(c.sock, "fetch_messages", { room_id: c.general, after_id: c.last, limit: 200 });
        if (!a || !a.ok) return void st.errors.push(JSON.stringify(a).slice(0, 200));
        st.done++;
        if (a.messages.length) st.found++;
        c.doneAt = epochMs();
      }, Math.random() * (r.within_ms || 0));
    });
  }
  await sleep(1000); // the last arrivals' users_changed settle
  const w = new Window(P.server_pid);
  process.stdout.write("READY\n");
  const by = now() + (P.blip_s || 60) * 1000;
  while (st.done + st.errors.length < P.n && now() < by) await sleep(20);
  await sleep((P.quiet_s || 5) * 1000);
  results.blip = {
    n: P.n,
    told: st.told,
    told_again: st.again,
    caught_up: st.done,
    found: st.found,
    live: st.live,
    within_ms_max: st.within_ms.length ? Math.max(...st.within_ms) : null,
    told_at_ms: clients.map((c) => c.toldAt).filter((t) => t),
    done_at_ms: clients.map((c) => c.doneAt).filter((t) => t),
    errors: st.errors.slice(0, 5),
    error_count: st.errors.length,
    cpu: w.end(),
  };
  for (const c of clients) c.sock.disconnect();
  finish();
}

const modes = { scenario, echo, rawecho: rawEcho, acked, crowd, blip };
modes[P.mode]().catch((err) => {
  results.errors.push(String((err && err.stack) || err));
  finish({ failed: true });
});
