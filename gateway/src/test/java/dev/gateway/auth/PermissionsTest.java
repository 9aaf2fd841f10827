package dev.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gateway.config.ConfigLoader;
import dev.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Glob semantics of the address patterns and the always-closed internal namespace. */
class PermissionsTest {

  /** The same patterns for subscribe, publish and send. */
  private static Permissions all(String... globs) {
    List<String> l = List.of(globs);
    return new Permissions(new GatewayConfig.Permissions(l, l, l, false));
  }

  private static void allows(Permissions p, String address) {
    assertTrue(p.maySubscribe(address), "subscribe " + address);
    assertTrue(p.mayPublish(address), "publish " + address);
    assertTrue(p.maySend(address), "send " + address);
  }

  private static void denies(Permissions p, String address) {
    assertFalse(p.maySubscribe(address), "subscribe " + address);
    assertFalse(p.mayPublish(address), "publish " + address);
    assertFalse(p.maySend(address), "send " + address);
  }

  @Test
  void trailingStarMatchesAnyRunIncludingDots() {
    Permissions p = all("chat.*");
    allows(p, "chat.a");
    allows(p, "chat.a.b");
    allows(p, "chat.room-1/x y");
    denies(p, "chat");
    denies(p, "xchat.a");
    denies(p, "Chat.a");
    denies(p, "chatroom");
  }

  @Test
  void starAloneMatchesEveryNonInternalAddress() {
    Permissions p = all("*");
    for (String a : new String[] {"a", "echo", "chat.a.b", "gateway", "gateway.public", "vertx.x",
        "__vertx", "x.__vertx.y", "line\nbreak"}) {
      allows(p, a);
    }
  }

  @Test
  void starInTheMiddleAndAtTheStart() {
    Permissions p = all("room.*.in", "*.log");
    allows(p, "room.1.in");
    allows(p, "room.a.b.in");
    allows(p, "room..in");
    allows(p, "app.log");
    denies(p, "room.1.out");
    denies(p, "room.1.in.x");
    denies(p, "app.logs");
  }

  @Test
  void patternWithoutStarIsALiteralMatch() {
    Permissions p = all("echo");
    allows(p, "echo");
    denies(p, "echo.x");
    denies(p, "echoes");
    denies(p, "xecho");
    denies(p, "ECHO");
  }

  @Test
  void regexMetacharactersAreLiteral() {
    Permissions p = all("a+b", "a.b", "c?", "(d|e)", "[f]", "g{2}", "h\\E.*", "^i$", "j\\d");
    allows(p, "a+b");
    allows(p, "a.b");
    denies(p, "aab");
    denies(p, "axb");
    denies(p, "ab");
    allows(p, "c?");
    denies(p, "c");
    allows(p, "(d|e)");
    denies(p, "d");
    allows(p, "[f]");
    denies(p, "f");
    allows(p, "g{2}");
    denies(p, "gg");
    allows(p, "h\\E.*");
    denies(p, "h\\Exyz");
    allows(p, "^i$");
    denies(p, "i");
    allows(p, "j\\d");
    denies(p, "j1");
  }

  @Test
  void metacharactersAroundAStarStayLiteral() {
    Permissions p = all("a.*.b+");
    allows(p, "a.x.b+");
    denies(p, "axxb");
    denies(p, "a.x.bb");
  }

  @ParameterizedTest
  @ValueSource(strings = {"gateway.internal.x", "gateway.internal.", "gateway.internal.a.b",
      "__vertx.reply.1", "__vertx.x"})
  void internalNamespaceIsAlwaysDenied(String address) {
    assertTrue(Permissions.isInternal(address));
    denies(all("*"), address);
    denies(all("gateway.internal.*", "__vertx.*", address), address);
  }

  @Test
  void nearInternalAddressesAreOrdinary() {
    for (String a : new String[] {"gateway.internal", "gateway.internalx", "__vertx", "_vertx.x"}) {
      assertFalse(Permissions.isInternal(a), a);
      allows(all("*"), a);
    }
  }

  @Test
  void noPatternsMeansNothingAllowed() {
    denies(all(), "a");
    denies(all(), "chat.a");
  }

  @Test
  void eachOperationUsesItsOwnList() {
    Permissions p = new Permissions(new GatewayConfig.Permissions(
        List.of("sub.*"), List.of("pub.*"), List.of("snd"), false));
    assertTrue(p.maySubscribe("sub.a"));
    assertFalse(p.mayPublish("sub.a"));
    assertFalse(p.maySend("sub.a"));
    assertTrue(p.mayPublish("pub.a"));
    assertFalse(p.maySubscribe("pub.a"));
    assertTrue(p.maySend("snd"));
    assertFalse(p.mayPublish("snd"));
  }

  @Test
  void defaultsFromConfig() {
    Permissions p = new Permissions(ConfigLoader.load((Path) null, Map.of()).permissions());
    assertTrue(p.maySubscribe("chat.general"));
    assertTrue(p.maySubscribe("clock"));
    assertFalse(p.maySubscribe("anything.at.all"));
    assertFalse(p.maySubscribe("billing.charge"));
    assertFalse(p.maySubscribe("echo"));
    assertFalse(p.maySubscribe("clock.x"));
    assertFalse(p.maySubscribe("gateway.internal.x"));
    assertFalse(p.maySubscribe("__vertx.reply.1"));
    assertTrue(p.mayPublish("chat.general"));
    assertTrue(p.mayPublish("chat.a.b"));
    assertFalse(p.mayPublish("clock"));
    assertFalse(p.mayPublish("echo"));
    assertFalse(p.mayPublish("chat"));
    assertTrue(p.maySend("echo"));
    assertFalse(p.maySend("echo.x"));
    assertFalse(p.maySend("chat.general"));
  }

  @Test
  void configuredPatternsFromJson() {
    GatewayConfig c = ConfigLoader.fromJson(new JsonObject().put("permissions",
        new JsonObject().put("publish", List.of("*")).put("send", List.of("svc.*", "echo"))), Map.of());
    Permissions p = new Permissions(c.permissions());
    assertTrue(p.mayPublish("clock"));
    assertFalse(p.mayPublish("gateway.internal.x"));
    assertTrue(p.maySend("svc.orders"));
    assertTrue(p.maySend("echo"));
    assertFalse(p.maySend("svc"));
  }

  @Test
  void aChannelIsInsideTheSubscribePatternsAndNeverAService() {
    Permissions defaults = new Permissions(ConfigLoader.load((Path) null, Map.of()).permissions());
    assertTrue(defaults.isChannel("chat.lobby"));
    assertTrue(defaults.isChannel("clock"));
    assertFalse(defaults.isChannel("echo"));
    assertFalse(defaults.isChannel("billing.charge"));
    assertFalse(defaults.isChannel("gateway.internal.x"));
    // the unsafe configuration: a bare * subscribe; the send patterns still name services
    Permissions any = new Permissions(new GatewayConfig.Permissions(
        List.of("*"), List.of("chat.*"), List.of("echo", "svc.*"), true));
    assertTrue(any.isChannel("billing.charge"));
    assertFalse(any.isChannel("echo"));
    assertFalse(any.isChannel("svc.orders"));
    assertFalse(any.isChannel("__vertx.reply.1"));
  }
}
