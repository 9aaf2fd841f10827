// TlsNodeClientTest: a Node `ws` client over wss:// to the gateway as `localhost`.
// argv: port, CA file (or "-" to trust only Node's defaults). Registers to chat.node, publishes
// to it and prints one JSON line: the TLS version, the suite and the body it received back; or
// {"error": code} when the connection fails.
const fs = require('fs');
const WebSocket = require('ws');
const [port, caFile] = process.argv.slice(2);
const options = caFile === '-' ? {} : { ca: fs.readFileSync(caFile) };
const ws = new WebSocket(`wss://localhost:${port}/ws`, ['v1.eventbus.gateway'], options);
const timer = setTimeout(() => { console.log(JSON.stringify({ error: 'timeout' })); process.exit(1); }, 20000);
ws.on('error', (err) => {
  console.log(JSON.stringify({ error: err.code || String(err) }));
  clearTimeout(timer);
  process.exit(0);
});
ws.on('open', () => {
  ws.send(JSON.stringify({ type: 'register', address: 'chat.node', ack: 'r1' }));
});
ws.on('message', (data) => {
  const msg = JSON.parse(data.toString());
  if (msg.type === 'ack') {
    ws.send(JSON.stringify({ type: 'publish', address: 'chat.node', body: { from: 'node ws' } }));
  } else if (msg.type === 'rec') {
    console.log(JSON.stringify({
      protocol: ws._socket.getProtocol(), cipher: ws._socket.getCipher().standardName,
      subprotocol: ws.protocol, body: msg.body,
    }));
    clearTimeout(timer);
    ws.close();
  }
});
