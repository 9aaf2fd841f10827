/*
 * Gateway chat demo: plain JS over gateway-client.js (SockJS at /eventbus, or the native
 * WebSocket at /ws with ?transport=websocket). After a reconnect the client recovers the room's
 * missed messages from history; the page says so, or says that some could not be restored and
 * reloads the room's newest messages. The side list shows who is in the room (every connection
 * registered to it, on any node), kept up to date by the gateway's join and leave events.
 */
(function () {
  'use strict';

  var CLOCK = 'clock';
  var ROOM_PATTERN = /^chat\.[A-Za-z0-9._-]+$/;
  var MAX_MESSAGES = 200;
  var RELOAD_LIMIT = 50;

  function $(id) { return document.getElementById(id); }

  var ui = {
    status: $('status'), clock: $('clock'), notice: $('notice'),
    joinForm: $('join-form'), nick: $('nick'), room: $('room'),
    roomTitle: $('room-title'), messages: $('messages'),
    members: $('members'), memberCount: $('member-count'),
    sendForm: $('send-form'), message: $('message'), send: $('send')
  };
  var me = { nick: null, room: null, sub: null };
  var shown = {}; // "epoch:offset" of the room's messages on the page
  var here = {};  // client id -> member, for the room's member list

  try { ui.nick.value = localStorage.getItem('chat.nick') || ''; } catch (e) { /* storage off */ }

  var transport = new URLSearchParams(location.search).get('transport') || 'auto';
  var client = new GatewayClient({ transport: transport });
  window.chat = { client: client }; // for the console (and the browser tests)
  client.subscribe(CLOCK, onClock);

  client.on('open', function () {
    setStatus('connected');
    hideNotice();
    updateControls();
  });

  client.on('close', function (e) {
    setStatus(e.reconnect ? 'reconnecting' : 'disconnected');
    if (!e.reconnect) {
      showNotice('Disconnected (' + e.code + (e.reason ? ': ' + e.reason : '') + '). Reload the page to try again.');
    }
    updateControls();
  });

  client.on('recovered', function (e) {
    if (e.address === me.room && e.replayed > 0) {
      addSystem('restored ' + e.replayed + ' missed message' + (e.replayed === 1 ? '' : 's'));
    }
  });

  client.on('lost', function (e) {
    if (e.address !== me.room) {
      return;
    }
    addSystem('some messages could not be restored');
    if (e.reason !== 'no_history') {
      var room = me.room;
      client.history(room, RELOAD_LIMIT).then(function (h) {
        if (room !== me.room) return;
        h.messages.forEach(function (m) {
          addMessage(m.body, h.epoch, m.offset);
        });
      }, function (err) {
        showNotice('Could not reload the room: ' + err.message);
      });
    }
  });

  // Who is here: listed after each register (also after a reconnect), then joins and leaves
  client.on('presence', function (e) {
    if (e.address !== me.room) {
      return;
    }
    if (e.event === 'mode') {
      if (e.mode === 'members') {
        var room = me.room;
        client.members(room).then(function (members) {
          if (room === me.room) setMembers(members);
        }, function (err) {
          showNotice('Could not list who is here: ' + err.message);
        });
      } else {
        setMembers(null);
        client.presenceStats(me.room).then(function (s) { showCount(s.clients); }, function () {});
      }
    } else if (e.event === 'join') {
      here[e.member.client] = e.member;
      renderMembers();
    } else if (e.event === 'leave') {
      delete here[e.member.client];
      renderMembers();
    } else if (e.event === 'counts') {
      showCount(e.clients);
    }
  });

  // Errors the gateway sends without a reply address, e.g. {"type":"err","body":"access_denied",...}
  client.on('error', function (err) {
    showNotice('Gateway error: ' + err.code + (err.message ? ' (' + err.message + ')' : ''));
  });

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
      if (me.sub) {
        me.sub.unsubscribe();
      }
      me.room = room;
      shown = {};
      ui.messages.replaceChildren();
      setMembers(null);
      me.sub = client.subscribe(room, onChat, { joinLeave: true });
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
    // idempotent: if the connection drops before the ack, the client sends it again after the
    // reconnect and the gateway delivers it once
    client.publish(me.room, { nick: me.nick, text: text, ts: Date.now() }, { idempotent: true })
      .catch(function (err) { showNotice('Not sent: ' + err.message); });
    ui.message.value = '';
  });

  function onChat(msg) {
    if (msg.address !== me.room) {
      return;
    }
    addMessage(msg.body, msg.epoch, msg.offset);
  }

  function onClock(msg) {
    if (!msg.body || !msg.body.time) {
      return;
    }
    var when = new Date(msg.body.epochMs);
    ui.clock.dateTime = msg.body.time;
    ui.clock.textContent = isNaN(when) ? msg.body.time : when.toLocaleTimeString();
  }

  /** A chat message, once, in offset order among the room's messages of the same epoch. */
  function addMessage(body, epoch, offset) {
    if (!body || typeof body !== 'object' || typeof body.text !== 'string') {
      return;
    }
    if (offset !== undefined) {
      var key = epoch + ':' + offset;
      if (shown[key]) return;
      shown[key] = true;
    }
    var li = document.createElement('li');
    li.className = 'msg' + (body.nick === me.nick ? ' own' : '');
    if (offset !== undefined) {
      li.dataset.epoch = epoch;
      li.dataset.offset = offset;
    }
    li.append(
      el('time', 'time', formatTime(body.ts)),
      el('span', 'nick', String(body.nick || 'anonymous')),
      el('span', 'text', body.text));
    append(li, laterSibling(epoch, offset));
  }

  /** The first message on the page of this epoch with a greater offset, or null. */
  function laterSibling(epoch, offset) {
    if (offset === undefined) return null;
    var items = ui.messages.querySelectorAll('li.msg[data-offset]');
    for (var i = 0; i < items.length; i++) {
      if (items[i].dataset.epoch === epoch && BigInt(items[i].dataset.offset) > BigInt(offset)) {
        return items[i];
      }
    }
    return null;
  }

  function addSystem(text) {
    append(el('li', 'system', text), null);
  }

  function append(li, before) {
    var list = ui.messages;
    var atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
    list.insertBefore(li, before);
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

  /** Replaces the member list (null: unknown, or too many to list). */
  function setMembers(members) {
    here = {};
    (members || []).forEach(function (m) { here[m.client] = m; });
    if (members) {
      renderMembers();
    } else {
      ui.members.replaceChildren();
      ui.memberCount.textContent = '–';
    }
  }

  function renderMembers() {
    var ids = Object.keys(here);
    var names = ids.map(function (id) { return memberName(here[id]); }).sort();
    ui.members.replaceChildren.apply(ui.members, names.map(function (n) {
      return el('li', 'member', n);
    }));
    showCount(ids.length);
  }

  function showCount(n) {
    ui.memberCount.textContent = '(' + n + ')';
  }

  /** A member's name: its token's info.name or user, else a guest label from its client id. */
  function memberName(m) {
    if (m.info && typeof m.info.name === 'string') return m.info.name;
    if (m.user) return m.user;
    return 'guest ' + String(m.client).slice(0, 6);
  }

  function setStatus(state) {
    ui.status.textContent = state;
    ui.status.className = 'status ' + state;
  }

  function updateControls() {
    var ready = client.state === 'open' && me.room !== null;
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
