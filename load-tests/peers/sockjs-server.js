'use strict';
// SockJS peer for the benchmark: sockjs-node (npm `sockjs`, SockJS 0.3.3) broadcasting raw
// messages. Every session opens on one prefix (/eventbus); each new session is added to the
// broadcast set and then sent {"type":"ack"} (the client starts counting on it); a message from a
// session is written, as received, to every other session (sockjs-node encodes each session's
// a[...] frame itself). No backpressure limit: sockjs-node buffers per session without bound.
// GET /stats -> {"connections":N,"drops":0}.
// Usage: node sockjs-server.js PORT HOST HEARTBEAT_MS DISCONNECT_MS RESPONSE_LIMIT_BYTES
const http = require('http');
const sockjs = require('sockjs');

const port = Number(process.argv[2] || 8083);
const host = process.argv[3] || '127.0.0.1';
const heartbeatMs = Number(process.argv[4] || 25000);
const disconnectMs = Number(process.argv[5] || 5000);
const responseLimit = Number(process.argv[6] || 128 * 1024);
const sessions = new Set();

const service = sockjs.createServer({
  prefix: '/eventbus',
  heartbeat_delay: heartbeatMs,
  disconnect_delay: disconnectMs,
  response_limit: responseLimit,
  // sockjs-node logs every request at 'debug' and 'info' by default: only errors
  log: (severity, line) => { if (severity === 'error') console.error(line); },
});

service.on('connection', (conn) => {
  sessions.add(conn);
  conn.write('{"type":"ack"}');
  conn.on('data', (message) => {
    for (const other of sessions) {
      if (other !== conn) other.write(message);
    }
  });
  conn.on('close', () => { sessions.delete(conn); });
});

const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ connections: sessions.size, drops: 0 }));
  } else { // sockjs-node answers its own prefix before this handler sees a request
    res.writeHead(404);
    res.end();
  }
});
service.installHandlers(server);

server.listen(port, host, () => console.log(`sockjs-server: listening on ${host}:${port}`
  + ` (sockjs ${require('sockjs/package.json').version}, heartbeat ${heartbeatMs} ms,`
  + ` disconnect ${disconnectMs} ms, response limit ${responseLimit} bytes)`));
process.on('SIGTERM', () => process.exit(0));
