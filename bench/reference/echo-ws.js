// The floor for bench/: a raw WebSocket echo server (npm ws, no Socket.IO, no compression).
// Usage: node echo-ws.js [port]; prints "listening PORT" once bound (127.0.0.1 only).
"use strict";
const { WebSocketServer } = require("ws");

const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(process.argv[2] || 0) });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on("listening", () => console.log("listening " + wss.address().port));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
