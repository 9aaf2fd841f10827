package dev.gateway.browser;

/**
 * The page {@link BrowserIT} runs its round trips in: it loads sockjs-client and the official
 * event-bus client from the gateway and defines promise-returning helpers (results as JSON text).
 */
final class RoundTripPage {

  private RoundTripPage() {
  }

  static final String HTML = """
      <!doctype html>
      <html><head><meta charset="utf-8"><title>round trips</title>
      <script src="/lib/sockjs.min.js"></script>
      <script src="/vertx-eventbus.js"></script>
      <script>
      'use strict';
      const URL_ = location.origin + '/eventbus';

      // sockjs-client forced to one transport: a bridge "send" to echo, resolved with its reply
      function rawRoundTrip(transport) {
        return new Promise((resolve, reject) => {
          const replyAddress = 'it.reply.' + Math.random().toString(36).slice(2);
          const sock = new SockJS(URL_, null, { transports: [transport] });
          let done = false;
          const finish = (err, value) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            sock.close();
            err ? reject(err) : resolve(value);
          };
          const timer = setTimeout(() => finish(new Error(transport + ': no reply in 10 s')), 10000);
          sock.onopen = () => sock.send(JSON.stringify({
            type: 'send', address: 'echo', replyAddress: replyAddress,
            body: { via: transport, n: 42, text: 'héllo ✓ <&>' } }));
          sock.onmessage = e => {
            const m = JSON.parse(e.data);
            if (m.address === replyAddress) {
              finish(null, JSON.stringify({ transport: sock.transport, replyAddress: replyAddress, reply: m }));
            }
          };
          sock.onclose = e => finish(new Error(transport + ': closed ' + e.code + ' ' + e.reason));
        });
      }

      // the official client: send to echo with a reply handler, then register on a chat room and
      // publish to it. The client cannot know when a registration is complete (no ack in its
      // protocol), so it publishes every 200 ms until its handler gets one.
      function eventBusRoundTrip(room) {
        return new Promise((resolve, reject) => {
          const eb = new EventBus(URL_);
          const result = {};
          let retry = null;
          let done = false;
          const finish = (err) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            clearInterval(retry);
            eb.close();
            err ? reject(err) : resolve(JSON.stringify(result));
          };
          const timer = setTimeout(() => finish(new Error('event bus: no result in 10 s')), 10000);
          eb.onerror = err => finish(new Error('event bus error: ' + JSON.stringify(err)));
          eb.onopen = () => {
            result.transport = eb.sockJSConn.transport;
            eb.send('echo', { hello: 'echo', n: 7 }, (err, reply) => {
              if (err) return finish(new Error('echo failed: ' + JSON.stringify(err)));
              result.echo = reply.body;
              eb.registerHandler(room, (err2, msg) => {
                if (err2) return finish(new Error('room failed: ' + JSON.stringify(err2)));
                result.address = msg.address;
                result.published = msg.body;
                finish(null);
              });
              const publish = () => eb.publish(room, { nick: 'it', text: 'published ✓' });
              publish();
              retry = setInterval(publish, 200);
            });
          };
        });
      }
      </script></head><body></body></html>
      """;
}
