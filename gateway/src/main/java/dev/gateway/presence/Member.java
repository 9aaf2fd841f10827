package dev.gateway.presence;

import io.vertx.core.json.Json;

/**
 * One member of a channel: a connection that completed a register of it, on {@code node}.
 * Immutable; its JSON form ({@code {"client":..,"user":..,"info":..}}, user and info only when
 * present) is built once, when the member is created, and shared by every answer and event.
 */
public final class Member {

  private final String client;
  private final String user;
  private final String info;
  private final String node;
  private final String json;

  /**
   * {@code info} is the JSON text of the token's {@code info} claim (or null), put into the
   * member's JSON form as it is.
   */
  public Member(String client, String user, String info, String node) {
    this.client = client;
    this.user = user;
    this.info = info;
    this.node = node;
    StringBuilder b = new StringBuilder(48 + (info == null ? 0 : info.length()));
    b.append("{\"client\":").append(Json.encode(client));
    if (user != null) {
      b.append(",\"user\":").append(Json.encode(user));
    }
    if (info != null) {
      b.append(",\"info\":").append(info);
    }
    this.json = b.append('}').toString();
  }

  public String client() {
    return client;
  }

  public String user() {
    return user;
  }

  public String info() {
    return info;
  }

  /** The node the member is connected to. */
  public String node() {
    return node;
  }

  /** The member as clients see it, JSON text. */
  public String json() {
    return json;
  }

  /** Bytes this member's JSON form takes, about what an answer or event spends on it. */
  int size() {
    return json.length();
  }
}
