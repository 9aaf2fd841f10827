package dev.gateway.k8s.image;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an image's OCI config says about running it (user, environment, entrypoint, working
 * directory), read with {@code buildah inspect}: the check runs the gateway from this, not from a
 * copy of the Dockerfile's values.
 */
record ImageConfig(String user, Map<String, String> env, List<String> command, String workingDir) {

  static ImageConfig of(String image) throws IOException, InterruptedException {
    JsonObject inspect = new JsonObject(Commands.run(List.of("buildah", "inspect", "--type", "image", image),
        Duration.ofMinutes(1), null));
    JsonObject config = inspect.getJsonObject("OCIv1").getJsonObject("config");
    Map<String, String> env = new LinkedHashMap<>();
    for (Object e : config.getJsonArray("Env", new JsonArray())) {
      String kv = (String) e;
      int eq = kv.indexOf('=');
      env.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    List<String> command = new ArrayList<>();
    config.getJsonArray("Entrypoint", new JsonArray()).forEach(a -> command.add((String) a));
    config.getJsonArray("Cmd", new JsonArray()).forEach(a -> command.add((String) a));
    return new ImageConfig(config.getString("User", ""), env, command, config.getString("WorkingDir", "/"));
  }

  /** The numeric user id of {@code USER} (the check requires a numeric, non-root user, as runAsNonRoot does). */
  int uid() {
    String u = user.contains(":") ? user.substring(0, user.indexOf(':')) : user;
    return u.matches("\\d+") ? Integer.parseInt(u) : -1;
  }
}
