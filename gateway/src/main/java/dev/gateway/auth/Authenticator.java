package dev.gateway.auth;

import dev.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Verifies JWTs (HS256 and/or RS256 keys from configuration) into {@link Grant}s, refusing the
 * token ids of its {@link RevocationStore} and the tokens of banned users
 * ({@link dev.gateway.user.UserBans}), at the handshake and on every refresh alike. A token must expire ({@code exp}, unless
 * {@code auth.requireExpiry=false}) within {@code auth.maxTokenLifetimeSeconds} of being issued.
 * Claims: {@code sub}, {@code jti}, {@code exp}, {@code iat}, and
 * {@code subscribe} / {@code publish} / {@code send}: arrays of address patterns. A token grants
 * exactly what its claims list (nothing if a claim is absent); the internal namespace stays
 * closed. Thread-safe.
 */
public final class Authenticator {

  /** Registered time claims: when present, numbers (RFC 7519 NumericDate). */
  private static final List<String> TIME_CLAIMS = List.of("exp", "nbf", "iat");

  private final GatewayConfig.Auth config;
  private final JWTAuth jwt;
  private final RevocationStore revocations;
  private final dev.gateway.user.UserBans bans;

  public Authenticator(Vertx vertx, GatewayConfig.Auth config, RevocationStore revocations) {
    this(vertx, config, revocations, null);
  }

  /** As above, refusing also the tokens of users {@code bans} holds (null: no bans). */
  public Authenticator(Vertx vertx, GatewayConfig.Auth config, RevocationStore revocations,
                       dev.gateway.user.UserBans bans) {
    this.config = config;
    this.revocations = revocations;
    this.bans = bans;
    if (!config.enabled()) {
      this.jwt = null;
      return;
    }
    JWTOptions jwtOptions = new JWTOptions().setLeeway(config.leewaySeconds());
    if (config.issuer() != null) {
      jwtOptions.setIssuer(config.issuer());
    }
    if (config.audience() != null) {
      jwtOptions.setAudience(List.of(config.audience()));
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(jwtOptions);
    if (config.hs256Secret() != null) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.hs256Secret()));
    }
    if (config.rs256PublicKey() != null) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(config.rs256PublicKey()));
    }
    this.jwt = JWTAuth.create(vertx, options);
  }

  /** Whether tokens are checked at all. */
  public boolean enabled() {
    return config.enabled();
  }

  /** Whether every connection needs a token. */
  public boolean required() {
    return config.required();
  }

  /**
   * Verifies a token: signature, issuer, audience, expiry and revocation. Never throws: any
   * failure, including claims of the wrong type ({@code "exp":"soon"}), fails the future.
   */
  public Future<Grant> verify(String token) {
    if (jwt == null) {
      return Future.failedFuture("authentication is off");
    }
    if (token == null || token.isBlank()) {
      return Future.failedFuture("no token");
    }
    try {
      return jwt.authenticate(new TokenCredentials(token))
          .compose(user -> grant(user.attributes().getJsonObject("accessToken", new JsonObject())))
          .recover(err -> Future.failedFuture(reason(err)));
    } catch (RuntimeException e) {
      return Future.failedFuture(reason(e));
    }
  }

  private Future<Grant> grant(JsonObject claims) {
    for (String time : TIME_CLAIMS) {
      Object v = claims.getValue(time);
      if (v != null && !(v instanceof Number)) {
        return Future.failedFuture("claim '" + time + "' must be a number");
      }
    }
    String lifetime = lifetimeProblem(claims.getValue("exp"), claims.getValue("iat"));
    if (lifetime != null) {
      return Future.failedFuture(lifetime);
    }
    String jti = claims.getValue("jti") instanceof String s ? s : null;
    if (jti != null && isRevoked(jti)) {
      return Future.failedFuture("token revoked");
    }
    // the same leeway as at the handshake, so a token accepted is not expired at once
    long exp = claims.getValue("exp") instanceof Number n
        ? n.longValue() * 1000 + config.leewaySeconds() * 1000L : 0;
    Permissions permissions = new Permissions(patterns(claims, "subscribe"),
        patterns(claims, "publish"), patterns(claims, "send"));
    String sub = claims.getValue("sub") instanceof String s ? s : null;
    if (sub != null && bans != null && bans.isBanned(sub)) {
      return Future.failedFuture("user banned");
    }
    Object infoClaim = claims.getValue("info");
    String info = infoClaim == null ? null : Json.encode(infoClaim);
    if (info != null && info.getBytes(StandardCharsets.UTF_8).length > Grant.MAX_INFO_BYTES) {
      return Future.failedFuture("claim 'info' is over " + Grant.MAX_INFO_BYTES + " bytes");
    }
    return Future.succeededFuture(new Grant(sub, jti, exp, permissions, info,
        patterns(claims, "channels")));
  }

  /**
   * Why a token's lifetime is refused, or null: no {@code exp} where one is required, or more
   * than {@code auth.maxTokenLifetimeSeconds} from {@code iat} (from now without one) to
   * {@code exp}. A token that never expires cannot be taken back once leaked, other than by
   * revocation, which the nodes must then remember for ever.
   */
  private String lifetimeProblem(Object exp, Object iat) {
    if (!(exp instanceof Number e)) {
      return config.requireExpiry() ? "token has no exp claim (tokens must expire)" : null;
    }
    long from = iat instanceof Number i ? i.longValue() : System.currentTimeMillis() / 1000;
    long lifetime = e.longValue() - from;
    if (lifetime > config.maxTokenLifetimeSeconds()) {
      return "token lifetime " + lifetime + " s is over the " + config.maxTokenLifetimeSeconds()
          + " s this gateway accepts";
    }
    return null;
  }

  /** Why a token failed, for the client: never the token itself, never a stack trace. */
  private static String reason(Throwable err) {
    if (err instanceof ClassCastException || err instanceof NumberFormatException) {
      return "malformed claims";
    }
    String m = err.getMessage();
    return m == null || m.isBlank() ? "invalid token" : m.length() > 200 ? m.substring(0, 200) : m;
  }

  /** The node's revocations (kept in the cluster's grid when clustered). */
  public RevocationStore revocations() {
    return revocations;
  }

  public boolean isRevoked(String jti) {
    return revocations.isRevoked(jti);
  }

  private static List<String> patterns(JsonObject claims, String name) {
    Object v = claims.getValue(name);
    List<String> out = new ArrayList<>();
    if (v instanceof JsonArray a) {
      a.forEach(x -> {
        if (x instanceof String s) {
          out.add(s);
        }
      });
    } else if (v instanceof String s) {
      out.add(s);
    }
    return out;
  }
}
