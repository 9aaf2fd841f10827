'use strict';
// Fan-out peer for the benchmark: a plain Node `ws` server broadcasting to channel subscribers.
// Wire protocol (JSON text frames), the same shape of work as the gateway's bridge protocol:
//   client -> {"type":"sub","channel":C}              server -> {"type":"ack","channel":C}
//   client -> {"type":"pub","channel":C,"data":X}     server -> {"type":"msg","channel":C,"data":X}
//                                                       to every subscriber of C (encoded once)
// Backpressure like the gateway's: a subscriber with >= 1 MiB buffered gets no broadcast (counted).
// GET /stats -> {"connections":N,"drops":D}. Usage: node ws-server.js PORT [HOST]
const http = require('http');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 8081);
const host = process.argv[3] || '127.0.0.1';
const QUEUE_CAP = 1024 * 1024;
const channels = new Map(); // channel -> Set<WebSocket>
let drops = 0;
let connections = 0;

const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ connections, drops }));
  } else {
    res.writeHead(404);
    res.end();
  }
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });

function broadcast(channel, data) {
  const subs = channels.get(channel);
  if (!subs) return;
  const frame = Buffer.from(JSON.stringify({ type: 'msg', channel, data }));
  for (const ws of subs) {
    if (ws.bufferedAmount >= QUEUE_CAP) {
      drops++;
    } else {
      ws.send(frame, { binary: false });
    }
  }
}

wss.on('connection', (ws) => {
  connections++;
  const mine = new Set();
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return ws.close(1003);
    let m;
    try { m = JSON.parse(raw); } catch (e) { return; }
    if (m === null || typeof m !== 'object' || typeof m.channel !== 'string') return;
    if (m.type === 'sub') {
      let subs = channels.get(m.channel);
      if (!subs) channels.set(m.channel, subs = new Set());
      subs.add(ws);
      mine.add(m.channel);
      ws.send(JSON.stringify({ type: 'ack', channel: m.channel }));
    } else if (m.type === 'pub') {
      broadcast(m.channel, m.data);
    }
  });
  ws.on('close', () => {
    connections--;
    for (const c of mine) {
      const subs = channels.get(c);
      if (subs) { subs.delete(ws); if (subs.size === 0) channels.delete(c); }
    }
  });
  ws.on('error', () => {});
});

server.listen(port, host, () => console.log(`ws-server: listening on ${host}:${port}`));
process.on('SIGTERM', () => process.exit(0));
