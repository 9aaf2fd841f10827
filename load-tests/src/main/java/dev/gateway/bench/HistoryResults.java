package dev.gateway.bench;

import java.util.ArrayList;
import java.util.List;

/** What the history benchmark measured, with the load average when each figure was taken. */
final class HistoryResults {

  /** A step and the machine's load averages (1, 5, 15 min) at its end. */
  record Measured(Results.Step step, String load) {
  }

  /** A ramp and the load averages at its start. */
  record MeasuredRamp(Results.Ramp ramp, String load) {
  }

  final List<Measured> cpu = new ArrayList<>();
  final List<MeasuredRamp> saturation = new ArrayList<>();
  final List<Measured> latency = new ArrayList<>();
  final List<MeasuredRamp> cluster = new ArrayList<>();
  final List<Measured> clusterHalf = new ArrayList<>();
  final List<RecoveryPhase.Trial> recovery = new ArrayList<>();
  final List<String> problems = new ArrayList<>();

  /** Server CPU (all nodes) per publication published, µs. */
  static double perPublication(Results.Step s) {
    return s.published() == 0 ? Double.NaN : s.usage().serverMicros() / (double) s.published();
  }
}
