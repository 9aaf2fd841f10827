package dev.gateway.bench;

import java.util.List;

/** The targets of issue 6, checked against a run's figures: met or not, and by how much. */
final class Targets {

  private Targets() {
  }

  static String check(Results r) {
    StringBuilder b = new StringBuilder("Targets of issue 6 (gateway vs. the peers in this run):\n\n");
    double v = Report.bestSaturation(r, "gateway", "websocket");
    if (!Double.isNaN(v)) {
      double ws = Report.bestSaturation(r, "ws", "websocket");
      line(b, v >= 100_000, Report.f("saturation >= 100,000 deliveries/s at N=1,000: %,.0f"
          + " (Node ws in this run: %,.0f)", v, ws));
    }
    List<Results.Step> gw = Report.latencyOf(r, "gateway");
    List<Results.Step> ws = Report.latencyOf(r, "ws");
    if (!gw.isEmpty() && !ws.isEmpty()) {
      double g99 = Report.median(gw, 99);
      double w99 = Report.median(ws, 99);
      line(b, g99 <= w99, Report.f("p99 at N=5,000 / 50k/s no worse than Node ws: %.1f ms vs %.1f ms",
          g99, w99));
      double gc = Report.medianOf(gw.stream().map(Results.Step::serverMicrosPerDelivery).toList());
      double wc = Report.medianOf(ws.stream().map(Results.Step::serverMicrosPerDelivery).toList());
      line(b, gc <= wc, Report.f("server CPU per delivery no more than Node ws: %.2f µs vs %.2f µs",
          gc, wc));
    }
    r.connects.stream().filter(c -> c.target().equals("gateway")).findFirst().ifPresent(c -> {
      line(b, c.kbPerConnection() <= 15, Report.f("<= 15 kB resident per idle connection: %.1f kB at %,d",
          c.kbPerConnection(), c.opened()));
      line(b, c.warmPerSecond() >= 3_000, Report.f(">= 3,000 connections/s: %,.0f/s warm"
          + " (%,.0f/s on the fresh server)", c.warmPerSecond(), c.perSecond()));
    });
    r.overloads.stream().filter(o -> o.step().target().equals("gateway")).findFirst().ifPresent(o ->
        line(b, o.step().drops() > 0 || o.step().lost() == 0, Report.f(
            "overload: RSS bounded and drops counted: RSS %,.0f MB at the start, %,.0f MB at most;"
                + " %s drops counted, %,d deliveries behind when publishing stopped, %,d never"
                + " arrived", o.rssStartKb() / 1024.0, o.rssMaxKb() / 1024.0,
            o.step().drops() < 0 ? "no" : Report.f("%,d", o.step().drops()),
            o.step().backlogAtEnd(), o.step().lost())));
    return b.toString();
  }

  private static void line(StringBuilder b, boolean met, String text) {
    b.append("- ").append(met ? "met" : "**not met**").append(": ").append(text).append('\n');
  }
}
