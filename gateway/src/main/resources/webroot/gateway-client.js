/*
 * gateway-client.js: a small browser client for the gateway. Plain JavaScript, no dependencies,
 * no build step; served by the gateway at /gateway-client.js. It speaks the event-bus bridge
 * JSON protocol over a native WebSocket (/ws) or over sockjs-client (/eventbus), reconnects by
 * itself, and recovers missed messages on channels that keep history.
 *
 *   var client = new GatewayClient({ url: location.origin });   // options below
 *   var sub = client.subscribe('chat.lobby', function (msg) { ... });
 *   client.publish('chat.lobby', { text: 'hi' }, { idempotent: true }).then(function (pos) { ... });
 *
 * Options (all optional):
 *   url           origin of the gateway, e.g. 'https://gw.example.com' (default: location.origin)
 *   transport     'websocket' (/ws), 'sockjs' (/eventbus; needs window.SockJS) or 'auto'
 *                 (default: sockjs when window.SockJS exists, else websocket)
 *   sockjs        options passed to new SockJS(...), e.g. { transports: ['websocket'] }
 *   token         a JWT string, or a function returning one (or a Promise of one), asked again
 *                 before every connection; over /ws it is offered as the 'token.<jwt>'
 *                 subprotocol (or sent as ?token= with tokenIn: 'query'); over SockJS it goes in
 *                 every message's headers.token
 *   backoffBaseMs 500    reconnect delays use full jitter: a random delay in
 *   backoffMaxMs  15000  [0, min(backoffMaxMs, backoffBaseMs * 2^attempt)); 4003 (rate limited)
 *                        uses four times the base; the attempt count goes back to 0 once a
 *   stableMs      5000   connection has stayed open for stableMs
 *   drainJitterMs 250    after close 1001 (the node is draining) reconnect at once, within a
 *                        random delay in [0, drainJitterMs)
 *   pingMs        20000  a {"type":"ping"} every pingMs while open
 *   requestTimeoutMs 15000  request() and history() fail after this long without an answer
 *   maxQueued     1000   idempotent publishes waiting for their ack at most; more are refused
 *
 * Reconnect rule, by close code: 1001 reconnect at once; 4500-4999 stop (the app must change
 * something: a revoked token, say); over /ws also 1002, 1003, 1007, 1008 and 1009 stop (the
 * same client would fail the same way; sockjs-client reports its own connection failures as
 * 1002, so over SockJS only 1008 of those stops); everything else backs off. close() stops too.
 *
 * Events (client.on(name, fn), client.off(name, fn)):
 *   'open'      { transport: 'websocket'|'sockjs', reconnected: boolean }
 *   'close'     { code, reason, reconnect: boolean, delay: ms or null }; reconnect false means
 *               the client stopped and will not reconnect by itself (call connect() to start again)
 *   'recovered' { address, replayed, offset, epoch }: after a reconnect, the channel's missed
 *               messages were replayed (replayed of them, delivered before this event)
 *   'lost'      { address, reason, from, to, offset, epoch }: messages could not be recovered.
 *               reason 'not_recovered' (history no longer holds them, or the stream restarted),
 *               'no_history' (the channel keeps none), 'gap' (offsets from..to never arrived:
 *               the gateway dropped them for a slow connection) or 'epoch' (the stream started
 *               anew). Reload from your application, e.g. with client.history(address, limit).
 *   'error'     { code, message, address }: an err from the gateway (see docs/protocol.md)
 *   'presence'  { address, event, ... } on channels subscribed with { joinLeave: true }:
 *               event 'join' or 'leave' with member { client, user, info }, 'counts' with
 *               clients and users (a channel over the gateway's member threshold sends counts
 *               only), 'mode' with mode 'members', 'counts' or 'off' after each register
 *   'subscribed'   { channel, offset, epoch, recovered }: the gateway subscribed this
 *   'unsubscribed' { channel }      connection itself (users API, the token's channels claim);
 *               its messages go to receive() handlers of the channel (or a subscribe() of it).
 *               On a history channel the client keeps its position and, when it reconnects,
 *               gives it to the gateway (?positions= on /ws, gateway.positions over SockJS): the
 *               channel then recovers as a subscribe() does ('recovered' or 'lost' events, at
 *               most once per offset), and recovered says true or false.
 *
 * Messages given to subscribe() handlers: { address, body, headers, offset, epoch, replayed },
 * offset and epoch only on channels with history (offsets are decimal strings), replayed true
 * for messages recovered after a reconnect. A message is delivered at most once per
 * subscription: one whose offset was already delivered is dropped.
 *
 * Methods: connect(), close(), subscribe(address, handler[, { joinLeave: true }]) ->
 * { ready: Promise, unsubscribe() },
 * receive(address, handler) -> { stop() }: messages the gateway sends to this connection on an
 * address it did not register (a backend's POST /api/users/publish, a server-side subscription),
 * handed over as subscribe() hands them, without registering anything,
 * publish(address, body, { headers, idempotent }) -> Promise of { offset, epoch },
 * send(address, body, { headers }), request(address, body, { headers, timeoutMs }) -> Promise of
 * { body, headers }, history(address, limit) -> Promise of { address, epoch, offset, messages },
 * presence(address, { limit, cursor }) -> Promise of { address, members, cursor }, members(address)
 * -> Promise of every member (all pages), presenceStats(address) -> Promise of { clients, users },
 * position(address) -> { offset, epoch } or null (also of a server-side channel), state
 * ('connecting', 'open', 'closed' while waiting to reconnect, 'stopped'), transport, socket (the
 * current WebSocket or SockJS).
 */
(function (root) {
  'use strict';

  var SUBPROTOCOL = 'v1.eventbus.gateway';
  var DEFAULTS = {
    url: null, transport: 'auto', sockjs: null, token: null, tokenIn: 'subprotocol',
    backoffBaseMs: 500, backoffMaxMs: 15000, stableMs: 5000, drainJitterMs: 250,
    pingMs: 20000, requestTimeoutMs: 15000, maxQueued: 1000
  };
  var STOP_ON_WEBSOCKET = [1002, 1003, 1007, 1009];

  /** What to do after a close with this code: 'now', 'backoff' or 'stop'. */
  function reconnectRule(code, transport) {
    if (code === 1001) return 'now';
    if (code >= 4500 && code <= 4999) return 'stop';
    if (code === 1008) return 'stop';
    if (transport === 'websocket' && STOP_ON_WEBSOCKET.indexOf(code) >= 0) return 'stop';
    return 'backoff';
  }

  /** A map keyed by addresses and ids (no prototype: any address is a plain key). */
  function dict() {
    return Object.create(null);
  }

  function randomId(prefix) {
    var bytes = new Uint8Array(12);
    (root.crypto || root.msCrypto).getRandomValues(bytes);
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] + 256).toString(16).slice(1);
    return prefix + s;
  }

  function GatewayClient(options) {
    var o = {};
    var k;
    for (k in DEFAULTS) o[k] = DEFAULTS[k];
    for (k in options || {}) o[k] = options[k];
    if (!o.url) o.url = root.location.origin;
    if (o.transport === 'auto') o.transport = typeof root.SockJS === 'function' ? 'sockjs' : 'websocket';
    if (o.transport === 'sockjs' && typeof root.SockJS !== 'function') {
      throw new Error("transport 'sockjs' needs sockjs-client: load /lib/sockjs.min.js first");
    }
    if (o.transport !== 'sockjs' && o.transport !== 'websocket') {
      throw new Error("transport must be 'websocket', 'sockjs' or 'auto'");
    }
    this.options = o;
    this.transport = o.transport;
    this.state = 'stopped';
    this.socket = null;
    this._listeners = dict();
    this._subs = dict();    // address -> subscription
    this._acks = dict();    // ack id -> { kind, address, resolve, reject, ... }
    this._queued = [];      // idempotent publishes until acked
    this._replies = dict(); // reply address -> { resolve, reject, timer }
    this._receivers = dict(); // address -> handlers of messages not registered for
    this._server = dict(); // channel -> state of a server-side subscription (position, recovery)
    this._since = null; // positions given to the gateway on connecting: { channel: { offset, epoch } }
    this._seq = 0;
    this._attempt = 0;
    this._timers = {};
    this.connect();
  }

  GatewayClient.reconnectRule = reconnectRule;
  var P = GatewayClient.prototype;

  // ---------------------------------------------------------------- events

  P.on = function (name, fn) {
    (this._listeners[name] = this._listeners[name] || []).push(fn);
    return this;
  };

  P.off = function (name, fn) {
    var list = this._listeners[name] || [];
    var i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
    return this;
  };

  P._emit = function (name, event) {
    (this._listeners[name] || []).slice().forEach(function (fn) { safely(fn, event); });
  };

  /** Calls an application callback; its exception is rethrown later, never breaks the client. */
  function safely(fn, arg) {
    try {
      fn(arg);
    } catch (e) {
      setTimeout(function () { throw e; }, 0);
    }
  }

  // ---------------------------------------------------------------- connection

  /** Starts connecting (again, after the client stopped); does nothing while connected. */
  P.connect = function () {
    if (this.state === 'open' || this.state === 'connecting') return;
    this._clearTimer('reconnect');
    this.state = 'connecting';
    var self = this;
    var token = this.options.token;
    Promise.resolve(typeof token === 'function' ? token() : token).then(function (t) {
      if (self.state === 'connecting' && !self.socket) self._open(t || null);
    }, function () {
      if (self.state === 'connecting' && !self.socket) self._closed(null, 4001, 'no token');
    });
  };

  P._open = function (token) {
    var o = this.options;
    var self = this;
    var socket;
    this._token = this.transport === 'sockjs' ? token : null;
    if (this._serverFresh) {
      // the last connection opened: its server-side channels' positions are what we hold now
      // (one that never opened leaves those of the one before)
      this._since = this._positions();
      this._server = dict();
    }
    this._serverFresh = false;
    try {
      if (this.transport === 'sockjs') {
        socket = new root.SockJS(o.url + '/eventbus', null, o.sockjs || undefined);
      } else {
        var url = o.url.replace(/^http/, 'ws') + '/ws';
        var protocols = [SUBPROTOCOL];
        var query = [];
        if (token && o.tokenIn === 'query') query.push('token=' + encodeURIComponent(token));
        else if (token) protocols.push('token.' + token);
        if (this._since) query.push('positions=' + encodeURIComponent(JSON.stringify(this._since)));
        if (query.length) url += '?' + query.join('&');
        socket = new root.WebSocket(url, protocols);
      }
    } catch (e) {
      this._closed(null, 4001, String(e && e.message || e));
      return;
    }
    this.socket = socket;
    socket.onopen = function () { if (self.socket === socket) self._opened(); };
    socket.onmessage = function (e) { if (self.socket === socket) self._received(e.data); };
    socket.onclose = function (e) { if (self.socket === socket) self._closed(socket, e.code, e.reason); };
  };

  P._opened = function () {
    var self = this;
    var reconnected = this._everOpened === true;
    this._everOpened = true;
    this._serverFresh = true;
    this.state = 'open';
    this._timers.stable = setTimeout(function () { self._attempt = 0; }, this.options.stableMs);
    this._timers.ping = setInterval(function () { self._write({ type: 'ping' }); }, this.options.pingMs);
    // over SockJS the token travels in messages: the first one carries it at once (a gateway
    // that requires tokens closes a session that has sent none within auth.deadlineMs)
    // (with the positions of the channels the gateway subscribes this client to itself)
    if (this._token) {
      this._write(this._since ? { type: 'ping', headers: { 'gateway.positions': this._since } }
        : { type: 'ping' });
    }
    Object.keys(this._subs).forEach(function (a) { self._register(self._subs[a]); });
    this._queued.forEach(function (q) { self._write(q.frame); });
    this._emit('open', { transport: this.transport, reconnected: reconnected });
  };

  P._closed = function (socket, code, reason) {
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
    }
    this.socket = null;
    this._clearTimer('stable');
    this._clearTimer('ping');
    this._failInFlight('connection closed (' + code + ')');
    if (this.state === 'stopped') { // close() was called
      this._emit('close', { code: code, reason: reason || '', reconnect: false, delay: null });
      return;
    }
    var rule = reconnectRule(code, this.transport);
    var delay = null;
    if (rule === 'stop') {
      this.state = 'stopped';
    } else {
      var o = this.options;
      if (rule === 'now') {
        delay = Math.floor(Math.random() * o.drainJitterMs);
      } else {
        var base = code === 4003 ? o.backoffBaseMs * 4 : o.backoffBaseMs;
        var cap = Math.min(o.backoffMaxMs, base * Math.pow(2, Math.min(this._attempt, 30)));
        delay = Math.floor(Math.random() * cap);
        this._attempt++;
      }
      this.state = 'closed';
      var self = this;
      this._timers.reconnect = setTimeout(function () {
        delete self._timers.reconnect;
        if (self.state === 'closed') self.connect();
      }, delay);
    }
    this._emit('close', { code: code, reason: reason || '', reconnect: rule !== 'stop', delay: delay });
  };

  /** Closes the connection for good (until connect()); what waits for an answer fails. */
  P.close = function () {
    var socket = this.socket;
    this.state = 'stopped';
    this._clearTimer('reconnect');
    this._closed(socket, 1000, 'closed by the client');
    this._queued.splice(0).forEach(function (q) { q.reject(new Error('client closed')); });
    this._acks = dict();
    if (socket) socket.close(1000);
  };

  P._clearTimer = function (name) {
    if (this._timers[name] !== undefined) {
      clearTimeout(this._timers[name]);
      clearInterval(this._timers[name]);
      delete this._timers[name];
    }
  };

  /**
   * Requests waiting for an answer on this connection fail; subscriptions register again and
   * idempotent publishes are sent again on the next connection.
   */
  P._failInFlight = function (why) {
    var acks = this._acks;
    this._acks = dict();
    Object.keys(acks).forEach(function (id) {
      var a = acks[id];
      if (a.kind !== 'register' && !a.queued) a.reject(new Error(why));
    });
    var replies = this._replies;
    this._replies = dict();
    Object.keys(replies).forEach(function (a) {
      clearTimeout(replies[a].timer);
      replies[a].reject(new Error(why));
    });
    var self = this;
    this._queued.forEach(function (q) { self._acks[q.frame.ack] = q; });
  };

  P._write = function (frame) {
    if (this.state !== 'open') return false;
    if (this._token) frame.headers = Object.assign({}, frame.headers, { token: this._token });
    this.socket.send(JSON.stringify(frame));
    return true;
  };

  P._nextId = function (prefix) {
    return prefix + (++this._seq);
  };

  // ---------------------------------------------------------------- channels

  P.subscribe = function (address, handler, options) {
    var self = this;
    var sub = this._subs[address];
    var joinLeave = !!(options && options.joinLeave);
    if (sub && joinLeave && !sub.joinLeave) {
      sub.joinLeave = true;
      this._register(sub); // registered again, now with the events (acked with the position)
    }
    if (!sub) {
      sub = this._subs[address] = { address: address, handlers: [], position: null, last: null,
        recovering: null, readyResolve: null, readyReject: null, joinLeave: joinLeave,
        presence: null };
      sub.ready = new Promise(function (resolve, reject) {
        sub.readyResolve = resolve;
        sub.readyReject = reject;
      });
      sub.ready.catch(function () { /* the application may not wait for it */ });
      this._register(sub);
    }
    sub.handlers.push(handler);
    return {
      ready: sub.ready,
      unsubscribe: function () { self._unsubscribe(address, handler); }
    };
  };

  P.receive = function (address, handler) {
    var self = this;
    (this._receivers[address] = this._receivers[address] || []).push(handler);
    return {
      stop: function () {
        var list = self._receivers[address] || [];
        var i = list.indexOf(handler);
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) delete self._receivers[address];
      }
    };
  };

  P._unsubscribe = function (address, handler) {
    var sub = this._subs[address];
    if (!sub) return;
    var i = sub.handlers.indexOf(handler);
    if (i >= 0) sub.handlers.splice(i, 1);
    if (sub.handlers.length === 0) {
      delete this._subs[address];
      this._write({ type: 'unregister', address: address });
    }
  };

  /** The position the client holds on a channel with history: { offset, epoch }, or null. */
  P.position = function (address) {
    var sub = this._subs[address] || this._server[address];
    return sub && sub.position ? { offset: sub.position.offset, epoch: sub.position.epoch } : null;
  };

  P._register = function (sub) {
    if (this.state !== 'open') return;
    var id = this._nextId('r');
    var frame = { type: 'register', address: sub.address, ack: id };
    sub.since = sub.position;
    sub.recovering = null;
    if (sub.position) {
      frame.headers = { 'gateway.since': sub.position.offset, 'gateway.epoch': sub.position.epoch };
    }
    if (sub.joinLeave) {
      frame.headers = Object.assign({}, frame.headers, { 'gateway.joinLeave': 'true' });
    }
    this._acks[id] = { kind: 'register', address: sub.address, sub: sub,
      reject: function (e) { sub.readyReject(e); } };
    this._write(frame);
  };

  P._registered = function (sub, m) {
    if (this._subs[sub.address] !== sub) return; // unsubscribed meanwhile
    if (m.presence !== undefined) {
      sub.presence = m.presence;
      this._emit('presence', { address: sub.address, event: 'mode', mode: m.presence });
    }
    var since = sub.since;
    sub.since = null;
    if (m.recovered === undefined) {
      // a channel without history
    } else if (!since) {
      if (!sub.position) sub.position = { offset: m.offset, epoch: m.epoch };
    } else {
      this._resumed(sub, since, m);
    }
    sub.readyResolve({ address: sub.address, offset: m.offset, epoch: m.epoch });
  };

  /** The answer to a position given: recovered (the replay follows) or lost from there. */
  P._resumed = function (sub, since, m) {
    if (m.recovered) {
      sub.position = { offset: since.offset, epoch: m.epoch };
      if (BigInt(m.offset) > BigInt(since.offset)) {
        sub.recovering = { target: BigInt(m.offset), count: 0 };
      } else {
        this._emit('recovered', { address: sub.address, replayed: 0, offset: m.offset, epoch: m.epoch });
      }
    } else {
      sub.position = { offset: m.offset, epoch: m.epoch };
      sub.last = null;
      this._emit('lost', { address: sub.address, reason: m.reason || 'not_recovered',
        from: String(BigInt(since.offset) + 1n), to: null, offset: m.offset, epoch: m.epoch });
    }
  };

  /** A channel the gateway subscribed this client to: its position, recovered from ours. */
  P._serverSubscribed = function (m) {
    var sub = { address: m.channel, server: true, position: null, last: null, recovering: null };
    this._server[m.channel] = sub;
    var since = this._since ? this._since[m.channel] : undefined;
    if (m.offset === undefined && m.recovered === undefined) return; // no history
    if (m.recovered === undefined || !since) {
      sub.position = { offset: m.offset, epoch: m.epoch };
    } else {
      this._resumed(sub, since, m);
    }
  };

  /** The positions of this connection's server-side channels with history, or null. */
  P._positions = function () {
    var out = null;
    for (var a in this._server) {
      var p = this._server[a].position;
      if (p && p.offset !== undefined) (out = out || {})[a] = { offset: p.offset, epoch: p.epoch };
    }
    return out;
  };

  P._channelMessage = function (sub, m) {
    var headers = m.headers || {};
    var event = headers['gateway.event'];
    if (event === 'join' || event === 'leave') {
      this._emit('presence', { address: sub.address, event: event, member: m.body });
      return;
    }
    if (event === 'counts') {
      this._emit('presence', { address: sub.address, event: 'counts', clients: m.body.clients,
        users: m.body.users });
      return;
    }
    var offset = headers['gateway.offset'];
    var epoch = headers['gateway.epoch'];
    var replayed = false;
    if (offset !== undefined) {
      var o = BigInt(offset);
      var pos = sub.position;
      var sameStream = pos && (pos.epoch === epoch || (pos.epoch === '' && pos.offset === '0'));
      if (sameStream && sub.last !== null && sub.last.epoch === epoch && o <= sub.last.offset) {
        return; // delivered already
      }
      if (sameStream && o > BigInt(pos.offset) + 1n) {
        this._emit('lost', { address: sub.address, reason: 'gap', from: String(BigInt(pos.offset) + 1n),
          to: String(o - 1n), offset: offset, epoch: epoch });
      } else if (pos && !sameStream) {
        this._emit('lost', { address: sub.address, reason: 'epoch', from: null, to: null,
          offset: offset, epoch: epoch });
      }
      sub.position = { offset: offset, epoch: epoch };
      sub.last = { offset: o, epoch: epoch };
      replayed = sub.recovering !== null && o <= sub.recovering.target;
    }
    var msg = { address: m.address, body: m.body, headers: headers, offset: offset, epoch: epoch,
      replayed: replayed };
    var handlers = sub.server ? this._receivers[sub.address] || [] : sub.handlers;
    handlers.slice().forEach(function (fn) { safely(fn, msg); });
    if (replayed) {
      sub.recovering.count++;
      if (BigInt(offset) >= sub.recovering.target) {
        var count = sub.recovering.count;
        sub.recovering = null;
        this._emit('recovered', { address: sub.address, replayed: count, offset: offset, epoch: epoch });
      }
    }
  };

  // ---------------------------------------------------------------- publish, send, request, history

  P.publish = function (address, body, options) {
    var o = options || {};
    var self = this;
    return new Promise(function (resolve, reject) {
      var id = self._nextId('p');
      var frame = { type: 'publish', address: address, body: body, ack: id };
      if (o.headers) frame.headers = Object.assign({}, o.headers);
      var pending = { kind: 'publish', address: address, frame: frame, resolve: resolve, reject: reject };
      if (o.idempotent) {
        if (self._queued.length >= self.options.maxQueued) {
          reject(new Error('too many publishes waiting for their ack'));
          return;
        }
        frame.headers = Object.assign({}, frame.headers, { 'gateway.idempotencyKey': randomId('k') });
        pending.queued = true;
        self._queued.push(pending);
        self._acks[id] = pending;
        self._write(frame);
      } else if (self.state !== 'open') {
        reject(new Error('not connected'));
      } else {
        self._acks[id] = pending;
        self._write(frame);
      }
    });
  };

  P._done = function (pending) {
    var i = this._queued.indexOf(pending);
    if (i >= 0) this._queued.splice(i, 1);
  };

  /** One-way send to a backend service: returns whether it was written. */
  P.send = function (address, body, options) {
    var frame = { type: 'send', address: address, body: body };
    if (options && options.headers) frame.headers = Object.assign({}, options.headers);
    return this._write(frame);
  };

  P.request = function (address, body, options) {
    var o = options || {};
    var self = this;
    return new Promise(function (resolve, reject) {
      if (self.state !== 'open') {
        reject(new Error('not connected'));
        return;
      }
      var replyAddress = randomId('gateway-client.reply.');
      var frame = { type: 'send', address: address, body: body, replyAddress: replyAddress };
      if (o.headers) frame.headers = Object.assign({}, o.headers);
      var timeout = o.timeoutMs || self.options.requestTimeoutMs;
      var timer = setTimeout(function () {
        delete self._replies[replyAddress];
        reject(Object.assign(new Error('no reply within ' + timeout + ' ms'), { failureType: 'TIMEOUT' }));
      }, timeout);
      self._replies[replyAddress] = { resolve: resolve, reject: reject, timer: timer };
      self._write(frame);
    });
  };

  P.history = function (address, limit) {
    var self = this;
    return new Promise(function (resolve, reject) {
      if (self.state !== 'open') {
        reject(new Error('not connected'));
        return;
      }
      var id = self._nextId('h');
      var timer = setTimeout(function () {
        delete self._acks[id];
        reject(new Error('no history answer within ' + self.options.requestTimeoutMs + ' ms'));
      }, self.options.requestTimeoutMs);
      var done = function (fn) { return function (v) { clearTimeout(timer); fn(v); }; };
      self._acks[id] = { kind: 'history', address: address, resolve: done(resolve), reject: done(reject) };
      var frame = { type: 'history', address: address, ack: id };
      if (limit) frame.limit = limit;
      self._write(frame);
    });
  };

  /** One answer of the gateway to a request of this kind, with the request timeout. */
  P._ask = function (kind, frame) {
    var self = this;
    return new Promise(function (resolve, reject) {
      if (self.state !== 'open') {
        reject(new Error('not connected'));
        return;
      }
      var id = self._nextId(kind === 'presence' ? 'm' : 's');
      var timer = setTimeout(function () {
        if (self._acks[id]) {
          delete self._acks[id];
          reject(new Error(kind + ' timed out'));
        }
      }, self.options.requestTimeoutMs);
      var done = function (fn) { return function (v) { clearTimeout(timer); fn(v); }; };
      self._acks[id] = { kind: kind, address: frame.address, resolve: done(resolve), reject: done(reject) };
      frame.ack = id;
      self._write(frame);
    });
  };

  /** One page of a channel's members: Promise of { address, members, cursor } (no cursor: last page). */
  P.presence = function (address, options) {
    var o = options || {};
    var frame = { type: 'presence', address: address };
    if (o.limit) frame.limit = o.limit;
    if (o.cursor) frame.cursor = o.cursor;
    return this._ask('presence', frame);
  };

  /** Every member of a channel, page after page: Promise of an array of { client, user, info }. */
  P.members = function (address) {
    var self = this;
    var all = [];
    function page(cursor) {
      return self.presence(address, { cursor: cursor }).then(function (p) {
        all.push.apply(all, p.members);
        return p.cursor ? page(p.cursor) : all;
      });
    }
    return page(undefined);
  };

  /** How many are in a channel: Promise of { address, clients, users }. */
  P.presenceStats = function (address) {
    return this._ask('presence_stats', { type: 'presence_stats', address: address });
  };

  // ---------------------------------------------------------------- incoming

  P._received = function (data) {
    var m;
    try {
      m = JSON.parse(data);
    } catch (e) {
      return;
    }
    if (m.type === 'rec') {
      var reply = this._replies[m.address];
      if (reply) {
        delete this._replies[m.address];
        clearTimeout(reply.timer);
        reply.resolve({ body: m.body, headers: m.headers || {} });
      } else if (this._subs[m.address]) {
        this._channelMessage(this._subs[m.address], m);
      } else if (this._server[m.address]) {
        this._channelMessage(this._server[m.address], m);
      } else if (this._receivers[m.address]) {
        var message = { address: m.address, body: m.body, headers: m.headers || {},
          offset: m.headers ? m.headers['gateway.offset'] : undefined,
          epoch: m.headers ? m.headers['gateway.epoch'] : undefined, replayed: false };
        this._receivers[m.address].slice().forEach(function (fn) { safely(fn, message); });
      }
    } else if (m.type === 'subscribed') {
      this._serverSubscribed(m);
      this._emit('subscribed', { channel: m.channel, offset: m.offset, epoch: m.epoch,
        recovered: m.recovered });
    } else if (m.type === 'unsubscribed') {
      delete this._server[m.channel];
      this._emit('unsubscribed', { channel: m.channel });
    } else if (m.type === 'ack' || m.type === 'history' || m.type === 'presence'
        || m.type === 'presence_stats') {
      var pending = this._acks[m.ack];
      if (!pending) return;
      delete this._acks[m.ack];
      if (pending.kind === 'register') {
        this._registered(pending.sub, m);
      } else if (pending.kind === 'publish') {
        this._done(pending);
        pending.resolve(m.offset === undefined ? {} : { offset: m.offset, epoch: m.epoch });
      } else if (pending.kind === 'history') {
        pending.resolve({ address: m.address, epoch: m.epoch, offset: m.offset, messages: m.messages || [] });
      } else if (pending.kind === 'presence') {
        pending.resolve({ address: m.address, members: m.members || [], cursor: m.cursor });
      } else if (pending.kind === 'presence_stats') {
        pending.resolve({ address: m.address, clients: m.clients, users: m.users });
      }
    } else if (m.type === 'err') {
      this._error(m);
    }
  };

  /**
   * An err. One addressed to a reply address fails that request; one carrying the ack id of a
   * register, publish or history fails that one (the gateway serving this file echoes the id).
   * Every err that is not a request's reply is also an 'error' event.
   */
  P._error = function (m) {
    var reply = this._replies[m.address];
    if (reply) {
      delete this._replies[m.address];
      clearTimeout(reply.timer);
      reply.reject(Object.assign(new Error(m.message || m.failureType), {
        failureType: m.failureType, failureCode: m.failureCode, code: m.body }));
      return;
    }
    var message = m.message || '';
    var quoted = /'([^']*)'/.exec(message);
    var address = quoted ? quoted[1] : undefined;
    var pending = m.ack !== undefined ? this._acks[m.ack] : undefined;
    if (pending) {
      delete this._acks[m.ack];
      if (pending.kind === 'publish') this._done(pending);
      if (pending.kind === 'register' && this._subs[pending.address] === pending.sub) {
        delete this._subs[pending.address];
      }
      address = pending.address;
      pending.reject(Object.assign(new Error(message || m.body), { code: m.body }));
    }
    this._emit('error', { code: m.body, message: message, address: address });
  };

  root.GatewayClient = GatewayClient;
})(typeof window !== 'undefined' ? window : globalThis);
