package dev.gateway.transport.sockjs;

import static dev.gateway.transport.sockjs.Conformance.BASE;
import static dev.gateway.transport.sockjs.Conformance.assertCacheable;
import static dev.gateway.transport.sockjs.Conformance.assertContentType;
import static dev.gateway.transport.sockjs.Conformance.assertNoCookie;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.support.TestGateway;
import dev.gateway.transport.sockjs.RawHttp.Response;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SockJS 0.3.3 iframe page (reference class IframePage), served when {@code sockjs.iframe} is on:
 * the exact page, under every versioned and queried name, strongly cacheable, with conditional
 * requests; malformed names are not found.
 */
class IframePageTest {

  /** The page as the reference requires it, the library URL aside. */
  private static final Pattern PAGE = Pattern.compile("""
      ^<!DOCTYPE html>
      <html>
      <head>
        <meta http-equiv="X-UA-Compatible" content="IE=edge" />
        <meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
        <script src="(?<sockjsUrl>[^"]*)"></script>
        <script>
          document.domain = document.domain;
          SockJS.bootstrap_iframe\\(\\);
        </script>
      </head>
      <body>
        <h2>Don't panic!</h2>
        <p>This is a SockJS hidden iframe. It's used for cross domain magic.</p>
      </body>
      </html>$""");

  static TestGateway gateway;

  @BeforeAll
  static void start() {
    gateway = Conformance.start(Conformance.config());
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void simpleUrl() {
    verify(BASE + "/iframe.html");
  }

  /** Clients version the page name; the same page answers every version. */
  @Test
  void versionedUrls() {
    for (String suffix : List.of("/iframe-a.html", "/iframe-.html", "/iframe-0.1.2.html",
        "/iframe-0.1.2abc-dirty.2144.html")) {
      verify(BASE + suffix);
    }
  }

  /** A random query string (devel mode, to skip caches) changes nothing. */
  @Test
  void queriedUrls() {
    for (String suffix : List.of("/iframe-a.html?t=1234", "/iframe-0.1.2.html?t=123414",
        "/iframe-0.1.2abc-dirty.2144.html?t=qweqweq123")) {
      verify(BASE + suffix);
    }
  }

  @Test
  void malformedUrlsAreNotFound() {
    for (String suffix : List.of("/iframe.htm", "/iframe", "/IFRAME.HTML", "/IFRAME",
        "/iframe.HTML", "/iframe.xml", "/iframe-/.html")) {
      assertEquals(404, RawHttp.get(gateway.port, BASE + suffix).status(), BASE + suffix);
    }
  }

  /** A stable ETag, and If-None-Match answered 304 without a body or a content type. */
  @Test
  void cacheability() {
    Response r1 = RawHttp.get(gateway.port, BASE + "/iframe.html");
    Response r2 = RawHttp.get(gateway.port, BASE + "/iframe.html");
    assertNotNull(r1.header("etag"), r1.toString());
    assertEquals(r1.header("etag"), r2.header("etag"));

    Response r = RawHttp.exchange(gateway.port, "GET", BASE + "/iframe.html",
        Map.of("If-None-Match", r1.header("etag")), null);
    assertEquals(304, r.status(), r.toString());
    assertNull(r.header("content-type"), r.toString());
    assertEquals("", r.body());
  }

  @Test
  void pageIsNotFoundWhenTheIframeIsOff() {
    try (TestGateway off = Conformance.start(new io.vertx.core.json.JsonObject())) {
      assertEquals(404, RawHttp.get(off.port, BASE + "/iframe.html").status());
    }
  }

  private static void verify(String url) {
    Response r = RawHttp.get(gateway.port, url);
    assertEquals(200, r.status(), url + ": " + r);
    assertContentType(r.head(), "text/html;charset=UTF-8");
    assertCacheable(r.head());
    assertNotNull(r.header("etag"), "no ETag: " + r);
    assertNull(r.header("last-modified"), "Last-Modified: " + r);
    Matcher m = PAGE.matcher(r.body().strip());
    assertTrue(m.matches(), "not the iframe page: " + r.body());
    String sockjsUrl = m.group("sockjsUrl");
    assertTrue(sockjsUrl.startsWith("/") || sockjsUrl.startsWith("http"), sockjsUrl);
    assertNoCookie(r.head());
  }
}
