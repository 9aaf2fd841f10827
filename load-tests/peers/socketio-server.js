'use strict';
// Fan-out peer for the benchmark: Socket.IO 4 with rooms, websocket transport only.
//   client -> 42["sub",C]        server joins the socket to room C, answers 42["subscribed",C]
//   client -> 42["pub",C,X]      server -> io.to(C).emit("msg", C, X)  (42["msg",C,X] to each)
// GET /stats -> {"connections":N}. Usage: node socketio-server.js PORT [HOST] [recovery]
// With "recovery": connectionStateRecovery at its defaults (a session kept 2 minutes after a
// transport close; every broadcast carries an offset as its last argument, and a client that
// reconnects with {pid, offset} in its CONNECT packet gets the packets it missed and its rooms).
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 8082);
const host = process.argv[3] || '127.0.0.1';
let connections = 0;

const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ connections, drops: 0 }));
  } else if (!req.url.startsWith('/socket.io/')) {
    res.writeHead(404);
    res.end();
  }
});
const recovery = process.argv[4] === 'recovery';
const io = new Server(server, {
  transports: ['websocket'], serveClient: false, perMessageDeflate: false,
  ...(recovery ? { connectionStateRecovery: {} } : {}),
});

io.on('connection', (socket) => {
  connections++;
  socket.on('sub', (channel) => {
    if (typeof channel !== 'string') return;
    socket.join(channel);
    socket.emit('subscribed', channel);
  });
  socket.on('pub', (channel, data) => {
    if (typeof channel !== 'string') return;
    io.to(channel).emit('msg', channel, data);
  });
  socket.on('disconnect', () => { connections--; });
});

server.listen(port, host, () => console.log(`socketio-server: listening on ${host}:${port}`
  + (recovery ? ' (connectionStateRecovery)' : '')));
process.on('SIGTERM', () => process.exit(0));
