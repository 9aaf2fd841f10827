package dev.gateway.bench;

import java.util.List;

/**
 * The gateway's targets, checked against a run's figures: SockJS fan-out and CPU against
 * sockjs-node, memory per idle connection, connect rate against Node ws, and no regression of the
 * /ws fan-out against the previous results file. Every line says met or not met with both numbers.
 */
final class Targets {

  /** Run-to-run spread allowed before a /ws figure counts as a regression. */
  static final double NOISE = 0.10;

  private Targets() {
  }

  static String check(Results r, Baseline previous, boolean quick) {
    StringBuilder b = new StringBuilder("Targets (the gateway against the peers in this run;"
        + " SockJS figures are medians of the repetitions):\n\n");
    sockJs(b, r);
    memory(b, r);
    connectRate(b, r);
    regression(b, r, previous, quick);
    return b.toString();
  }

  private static void sockJs(StringBuilder b, Results r) {
    String what = "SockJS xhr-streaming fan-out at N=1,000 at least 2x sockjs-node's highest"
        + " sustained rate";
    double g = Report.medianSaturation(r, "gateway", "xhr-streaming");
    double n = Report.medianSaturation(r, "sockjs-node", "xhr-streaming");
    if (Double.isNaN(g) || Double.isNaN(n)) {
      missing(b, what, "the sockjs phase for gateway and sockjs-node");
    } else if (n == 0) {
      b.append(Report.f("- not measured: %s (sockjs-node sustained no step of the ramp; the"
          + " gateway %,.0f deliveries/s)\n", what, g));
    } else {
      line(b, g >= 2 * n, Report.f("%s: gateway %,.0f vs sockjs-node %,.0f deliveries/s = %.2fx"
          + " (needs %,.0f)%s; %s", what, g, n, g / n, 2 * n,
          vertxWeb(Report.f("%,.0f", Report.medianSaturation(r, "vertx-web", "xhr-streaming")),
              r.ramps.stream().anyMatch(x -> x.target().equals("vertx-web"))),
          reps(r.ramps.stream().filter(x -> x.transport().equals("xhr-streaming"))
              .map(Results.Ramp::target).toList())));
    }
    List<Results.Step> gs = Report.sockJsCpuOf(r, "gateway", "xhr-streaming");
    List<Results.Step> ns = Report.sockJsCpuOf(r, "sockjs-node", "xhr-streaming");
    what = "server CPU per delivery over SockJS xhr-streaming at most 0.7x sockjs-node's";
    if (gs.isEmpty() || ns.isEmpty()) {
      missing(b, what, "the sockjs phase for gateway and sockjs-node");
      return;
    }
    double gc = cpu(gs);
    double nc = cpu(ns);
    List<Results.Step> vs = Report.sockJsCpuOf(r, "vertx-web", "xhr-streaming");
    line(b, gc <= 0.7 * nc, Report.f("%s, at %,.0f deliveries/s: gateway %.2f µs vs sockjs-node"
            + " %.2f µs = %.2fx (needs <= %.2f µs)%s", what, gs.get(0).offeredPerSecond(), gc, nc,
        gc / nc, 0.7 * nc, vertxWeb(Report.f("%.2f µs", cpu(vs)), !vs.isEmpty())));
  }

  private static void memory(StringBuilder b, Results r) {
    String what = "resident memory per idle /ws connection at 15,000 connections at most 12 kB";
    Results.Connect g = connect(r, "gateway");
    if (g == null) {
      missing(b, what, "the connect phase for the gateway");
      return;
    }
    Results.Connect ws = connect(r, "ws");
    line(b, g.kbPerConnection() <= 12, Report.f("%s: %.1f kB at %,d%s (Node ws %s)", what,
        g.kbPerConnection(), g.opened(), g.opened() == 15_000 ? ""
            : " (not the 15,000 the target is stated at)",
        ws == null ? "not measured" : Report.f("%.1f kB", ws.kbPerConnection())));
  }

  private static void connectRate(StringBuilder b, Results r) {
    String what = "connections/s on a freshly started node at least Node ws's";
    Results.Connect g = connect(r, "gateway");
    Results.Connect ws = connect(r, "ws");
    if (g == null || ws == null) {
      missing(b, what, "the connect phase for gateway and ws");
      return;
    }
    line(b, g.perSecond() >= ws.perSecond(), Report.f("%s: gateway %,.0f/s vs ws %,.0f/s"
            + " (server CPU %.0f vs %.0f µs per connection); warm: gateway %,.0f/s vs ws %,.0f/s"
            + " (%.0f vs %.0f µs), %,d connections each pass", what, g.perSecond(),
        ws.perSecond(), g.serverMicrosPerConnection(), ws.serverMicrosPerConnection(),
        g.warmPerSecond(), ws.warmPerSecond(), g.warmServerMicrosPerConnection(),
        ws.warmServerMicrosPerConnection(), g.opened()));
  }

  /** The /ws figures of this run beside the previous results file's, within {@link #NOISE}. */
  private static void regression(StringBuilder b, Results r, Baseline prev, boolean quick) {
    if (prev == null) {
      b.append("- not checked: no /ws fan-out regression check (no previous results file with"
          + " the gateway's saturation figure in load-tests/results)\n");
      return;
    }
    String source = Report.f(" (previous: %s, %s)", prev.file().getFileName(), prev.heading());
    String unlike = quick ? "quick run" : null;
    double sat = Report.bestSaturation(r, "gateway", "websocket");
    double wsSat = Report.bestSaturation(r, "ws", "websocket");
    if (Double.isNaN(sat)) {
      missing(b, "no regression of /ws saturation at N=1,000", "the saturation phase");
    } else {
      compare(b, sat >= (1 - NOISE) * prev.gateway().saturation(), unlike, Report.f(
          "no regression of /ws saturation at N=1,000: %,.0f deliveries/s vs previous %,.0f"
              + " (Node ws %,.0f vs previous %,.0f)%s", sat, prev.gateway().saturation(), wsSat,
          prev.ws().saturation(), source));
    }
    List<Results.Step> gl = Report.latencyOf(r, "gateway");
    if (gl.isEmpty()) {
      missing(b, "no regression of /ws latency and CPU per delivery", "the latency phase");
      return;
    }
    String condition = Report.latencyCondition(r);
    String latencyUnlike = unlike != null ? unlike : condition.equals(prev.latencyCondition())
        ? null : "this run " + condition + ", previous " + prev.latencyCondition();
    List<Results.Step> wl = Report.latencyOf(r, "ws");
    double p99 = Report.median(gl, 99);
    compare(b, p99 <= (1 + NOISE) * prev.gateway().p99(), latencyUnlike, Report.f(
        "no regression of /ws p99 at %s: %.1f ms vs previous %.1f ms (Node ws %s vs previous"
            + " %.1f ms)%s", condition, p99, prev.gateway().p99(),
        wl.isEmpty() ? "not measured" : Report.f("%.1f ms", Report.median(wl, 99)),
        prev.ws().p99(), source));
    double c = cpu(gl);
    compare(b, c <= (1 + NOISE) * prev.gateway().cpu(), latencyUnlike, Report.f(
        "no regression of /ws server CPU per delivery at %s: %.2f µs vs previous %.2f µs (Node ws"
            + " %s vs previous %.2f µs)%s", condition, c, prev.gateway().cpu(),
        wl.isEmpty() ? "not measured" : Report.f("%.2f µs", cpu(wl)), prev.ws().cpu(), source));
  }

  private static double cpu(List<Results.Step> steps) {
    return Report.medianOf(steps.stream().map(Results.Step::serverMicrosPerDelivery).toList());
  }

  private static Results.Connect connect(Results r, String target) {
    return r.connects.stream().filter(c -> c.target().equals(target)).findFirst().orElse(null);
  }

  private static String vertxWeb(String figure, boolean measured) {
    return measured ? "; vertx-web bare " + figure : "";
  }

  private static String reps(List<String> rampTargets) {
    long g = rampTargets.stream().filter("gateway"::equals).count();
    long n = rampTargets.stream().filter("sockjs-node"::equals).count();
    return Report.f("median of %d and %d repetitions", g, n);
  }

  private static void compare(StringBuilder b, boolean met, String unlike, String text) {
    if (unlike != null) {
      b.append("- not comparable (").append(unlike).append("): ").append(text).append('\n');
    } else {
      line(b, met, text + Report.f(", within %.0f%%", NOISE * 100));
    }
  }

  private static void missing(StringBuilder b, String what, String needs) {
    b.append("- not measured: ").append(what).append(" (needs ").append(needs).append(")\n");
  }

  private static void line(StringBuilder b, boolean met, String text) {
    b.append("- ").append(met ? "met" : "**not met**").append(": ").append(text).append('\n');
  }
}
