package dev.gateway.browser;

import com.microsoft.playwright.Page;

/**
 * A blank page at a gateway's origin (or a relay's) that loads sockjs-client and
 * {@code /gateway-client.js} from there and records what the client reports: {@code window.log}
 * holds every event (with {@code event} and {@code at}, a {@code performance.now()} time),
 * {@code window.received} every message of the channel the page subscribed to. {@code start(options)} creates the client
 * ({@code options.jwt} becomes a token function); {@code subscribe(address)} resolves once the
 * gateway acked the registration.
 */
final class ClientPage {

  private ClientPage() {
  }

  static final String HTML = """
      <!doctype html>
      <html><head><meta charset="utf-8"><title>gateway-client</title>
      <script src="/lib/sockjs.min.js"></script>
      <script src="/gateway-client.js"></script>
      <script>
      'use strict';
      window.log = [];
      window.received = [];
      function start(options) {
        const o = Object.assign({}, options);
        if (o.jwt) { const jwt = o.jwt; o.token = () => jwt; delete o.jwt; }
        const c = new GatewayClient(o);
        window.client = c;
        ['open', 'close', 'recovered', 'lost', 'error'].forEach(name =>
          c.on(name, e => log.push(Object.assign({ event: name, at: performance.now() }, e))));
        return waitFor(() => log.find(e => e.event === 'open'));
      }
      function subscribe(address) {
        const sub = client.subscribe(address, m => received.push(
          { body: m.body, offset: m.offset === undefined ? null : m.offset, replayed: m.replayed }));
        return sub.ready.then(ack => JSON.stringify(ack));
      }
      // resolves with the first truthy value of check() (as JSON text), polled every 20 ms
      function waitFor(check, timeoutMs) {
        const until = performance.now() + (timeoutMs || 10000);
        return new Promise((resolve, reject) => {
          const poll = () => {
            const v = check();
            if (v) return resolve(JSON.stringify(v));
            if (performance.now() > until) return reject(new Error('timed out; log: ' + JSON.stringify(log)));
            setTimeout(poll, 20);
          };
          poll();
        });
      }
      </script></head><body></body></html>
      """;

  /** Opens the page at {@code base} (an origin URL, no trailing slash) in this tab. */
  static Page open(Page page, String base) {
    page.navigate(base + "/health/live");
    page.setContent(HTML);
    page.waitForFunction("() => typeof GatewayClient === 'function'");
    return page;
  }
}
