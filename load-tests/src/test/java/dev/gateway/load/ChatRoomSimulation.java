package dev.gateway.load;

import java.util.List;
import java.util.Map;

/**
 * Many small chat rooms on native WebSockets: {@code gateway.users} users in rooms of
 * {@code gateway.roomSize}, each publishing every {@code gateway.thinkMs} on average for
 * {@code gateway.durationSec}; every room-mate's message checked on arrival and counted at the end.
 */
public class ChatRoomSimulation extends GatewaySimulation {

  static final Map<String, String> DEFAULTS = Map.of(
      "gateway.users", "400", "gateway.roomSize", "8", "gateway.thinkMs", "2000",
      "gateway.durationSec", "60", "gateway.rampSec", "10");

  public ChatRoomSimulation() {
    super(DEFAULTS);
    ChatRooms chat = new ChatRooms(cfg, state, cfg.users);
    run(List.of(chat.population()), ChatRooms.timedRequests(), List.of("verify deliveries"),
        chat.maxDuration());
  }
}
