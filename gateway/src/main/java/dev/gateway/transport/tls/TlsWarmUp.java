package dev.gateway.transport.tls;

import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One TLS handshake in memory with the node's certificate, on a worker thread at start-up, so
 * that the JDK's TLS classes, its secure random and the key's first signature are ready before
 * the first client: done lazily on the first connection, they held an event loop for about half a
 * second. Nothing leaves the process; the client side trusts whatever it is shown.
 */
final class TlsWarmUp {

  private TlsWarmUp() {
  }

  static void handshake(KeyStore store, char[] password) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, new TrustManager[] {new AnyServer()}, null);
    SSLEngine server = serverContext.createSSLEngine();
    server.setUseClientMode(false);
    server.setEnabledProtocols(TlsPolicy.PROTOCOLS.toArray(String[]::new));
    SSLEngine client = clientContext.createSSLEngine("localhost", 443);
    client.setUseClientMode(true);
    int size = Math.max(server.getSession().getPacketBufferSize(),
        client.getSession().getPacketBufferSize());
    ByteBuffer toServer = ByteBuffer.allocate(size * 4);
    ByteBuffer toClient = ByteBuffer.allocate(size * 4);
    ByteBuffer app = ByteBuffer.allocate(size * 4);
    client.beginHandshake();
    server.beginHandshake();
    for (int i = 0; i < 100 && !(done(client) && done(server)); i++) {
      step(client, toClient, toServer, app);
      step(server, toServer, toClient, app);
    }
    if (!(done(client) && done(server))) {
      throw new SSLException("the warm-up handshake did not complete");
    }
  }

  private static boolean done(SSLEngine engine) {
    HandshakeStatus s = engine.getHandshakeStatus();
    return s == HandshakeStatus.NOT_HANDSHAKING || s == HandshakeStatus.FINISHED;
  }

  /** Runs delegated tasks, unwraps what arrived in {@code in}, wraps what it sends to {@code out}. */
  private static void step(SSLEngine engine, ByteBuffer in, ByteBuffer out, ByteBuffer app)
      throws SSLException {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
    in.flip();
    while (in.hasRemaining() && engine.getHandshakeStatus() == HandshakeStatus.NEED_UNWRAP) {
      app.clear();
      if (engine.unwrap(in, app).bytesConsumed() == 0) {
        break;
      }
      while ((task = engine.getDelegatedTask()) != null) {
        task.run();
      }
    }
    in.compact();
    while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
      if (engine.wrap(ByteBuffer.allocate(0), out).bytesProduced() == 0) {
        break;
      }
    }
  }

  /** The warm-up's client: it talks to this process only. */
  private static final class AnyServer implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
