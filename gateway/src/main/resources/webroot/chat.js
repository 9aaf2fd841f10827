/* Gateway chat demo: plain JS over the official Vert.x event-bus client (SockJS at /eventbus). */
(function () {
  'use strict';

  var CLOCK = 'clock';
  var ROOM_PATTERN = /^chat\.[A-Za-z0-9._-]+$/;
  var MAX_MESSAGES = 200;

  function $(id) { return document.getElementById(id); }

  var ui = {
    status: $('status'), clock: $('clock'), notice: $('notice'),
    joinForm: $('join-form'), nick: $('nick'), room: $('room'),
    roomTitle: $('room-title'), messages: $('messages'),
    sendForm: $('send-form'), message: $('message'), send: $('send')
  };
  var me = { nick: null, room: null };

  try { ui.nick.value = localStorage.getItem('chat.nick') || ''; } catch (e) { /* storage off */ }

  var eb = new EventBus('/eventbus');
  eb.enableReconnect(true);
  window.chat = { eventBus: eb }; // for the console (and the browser tests)

  // The client forgets its handlers when the connection drops: register again on every open.
  // The room goes first, so a clock tick after a (re)connect means the room is subscribed too.
  eb.onopen = function () {
    setStatus('connected');
    hideNotice();
    if (me.room) {
      eb.registerHandler(me.room, onChat);
    }
    eb.registerHandler(CLOCK, onClock);
    updateControls();
  };

  eb.onclose = function () {
    setStatus(eb.reconnectEnabled ? 'reconnecting' : 'disconnected');
    updateControls();
  };

  // Errors the gateway sends without an address, e.g. {"type":"err","body":"access_denied",...}
  eb.onerror = function (err) {
    showNotice('Gateway error: ' + describe(err));
  };

  ui.joinForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var nick = ui.nick.value.trim();
    var room = ui.room.value.trim();
    if (!nick) {
      showNotice('Choose a nickname first.');
      return;
    }
    if (!ROOM_PATTERN.test(room)) {
      showNotice('Room names start with "chat." (for example chat.lobby).');
      return;
    }
    hideNotice();
    me.nick = nick;
    try { localStorage.setItem('chat.nick', nick); } catch (e2) { /* storage off */ }
    if (room !== me.room) {
      var open = eb.state === EventBus.OPEN;
      if (me.room && open) {
        eb.unregisterHandler(me.room, onChat);
      }
      me.room = room;
      ui.messages.replaceChildren();
      if (open) {
        eb.registerHandler(room, onChat);
      }
    }
    ui.roomTitle.textContent = me.room;
    addSystem('You are ' + me.nick + ' in ' + me.room + '.');
    updateControls();
    ui.message.focus();
  });

  ui.sendForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = ui.message.value.trim();
    if (!text || !me.room) {
      return;
    }
    try {
      eb.publish(me.room, { nick: me.nick, text: text, ts: Date.now() });
      ui.message.value = '';
    } catch (err) {
      showNotice('Not sent: the connection is not open.');
    }
  });

  function onChat(err, msg) {
    if (err) {
      showNotice('Room error: ' + describe(err));
      return;
    }
    var body = msg.body;
    if (!body || typeof body !== 'object' || typeof body.text !== 'string') {
      return;
    }
    addMessage(body);
  }

  function onClock(err, msg) {
    if (err || !msg.body || !msg.body.time) {
      return;
    }
    var when = new Date(msg.body.epochMs);
    ui.clock.dateTime = msg.body.time;
    ui.clock.textContent = isNaN(when) ? msg.body.time : when.toLocaleTimeString();
  }

  function addMessage(body) {
    var li = document.createElement('li');
    li.className = 'msg' + (body.nick === me.nick ? ' own' : '');
    li.append(
      el('time', 'time', formatTime(body.ts)),
      el('span', 'nick', String(body.nick || 'anonymous')),
      el('span', 'text', body.text));
    append(li);
  }

  function addSystem(text) {
    append(el('li', 'system', text));
  }

  function append(li) {
    var list = ui.messages;
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
    list.appendChild(li);
    while (list.children.length > MAX_MESSAGES) {
      list.removeChild(list.firstChild);
    }
    if (atBottom) {
      list.scrollTop = list.scrollHeight;
    }
  }

  /** Creates an element whose content is plain text (user data never goes through innerHTML). */
  function el(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function formatTime(ts) {
    var d = new Date(ts);
    return typeof ts === 'number' && !isNaN(d)
      ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
  }

  function describe(err) {
    var code = err.body || err.failureType || 'error';
    return err.message ? code + ' (' + err.message + ')' : String(code);
  }

  function setStatus(state) {
    ui.status.textContent = state;
    ui.status.className = 'status ' + state;
  }

  function updateControls() {
    var ready = eb.state === EventBus.OPEN && me.room !== null;
    ui.message.disabled = !ready;
    ui.send.disabled = !ready;
    ui.message.placeholder = me.room ? 'Message ' + me.room : 'Join a room to chat';
  }

  function showNotice(text) {
    ui.notice.textContent = text;
    ui.notice.hidden = false;
  }

  function hideNotice() {
    ui.notice.hidden = true;
  }
})();
