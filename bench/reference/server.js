// Reference for bench/: a plain socket.io v4 server doing what a tutorial chat server does. It
// speaks the subset of Parley's protocol the load generator uses (auth name → welcome, create_room,
// send_message → room broadcast of message_created + ack, echo) and stores nothing.
// Usage: node server.js [port]; prints "listening PORT" once bound (127.0.0.1 only).
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const httpServer = http.createServer();
// socket.io's defaults otherwise (permessage-deflate off, as shipped since v3).
const io = new Server(httpServer, { transports: ["websocket"], serveClient: false });

let nextUser = 1;
let nextRoom = 2;
let nextMessage = 1;
const GENERAL = { id: 1, name: "general", kind: "channel", member: true };

io.on("connection", (socket) => {
  const auth = socket.handshake.auth || {};
  const user = { id: nextUser++, name: String(auth.name || "anon").slice(0, 32) };
  socket.join("room:1");
  socket.emit("welcome", { user, rooms: [GENERAL] });

  socket.on("send_message", (data, ack) => {
    const message = {
      id: nextMessage++,
      room_id: data.room_id,
      client_id: data.client_id,
      author: user,
      text: data.text,
      created_at: new Date().toISOString(),
    };
    io.to("room:" + data.room_id).emit("message_created", message);
    if (typeof ack === "function") ack({ ok: true, message });
  });

  socket.on("create_room", (data, ack) => {
    const room = { id: nextRoom++, name: String(data && data.name), kind: "channel", member: true };
    socket.join("room:" + room.id);
    if (typeof ack === "function") ack({ ok: true, room });
  });

  socket.on("echo", (data, ack) => {
    if (typeof ack === "function") ack(data);
  });
});

httpServer.listen(Number(process.argv[2] || 0), "127.0.0.1", () => {
  console.log("listening " + httpServer.address().port);
});
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
