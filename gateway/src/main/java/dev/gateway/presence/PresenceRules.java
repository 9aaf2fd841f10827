package dev.gateway.presence;

import dev.gateway.auth.Permissions;
import java.util.List;
import java.util.regex.Pattern;

/** Which channels have presence: address patterns ({@code presence.channels}). Thread-safe. */
public final class PresenceRules {

  private final List<Pattern> patterns;

  public PresenceRules(List<String> channels) {
    this.patterns = channels.stream().map(Permissions::globPattern).toList();
  }

  /** Whether the channel has presence. */
  public boolean covers(String channel) {
    for (Pattern p : patterns) {
      if (p.matcher(channel).matches()) {
        return true;
      }
    }
    return false;
  }
}
