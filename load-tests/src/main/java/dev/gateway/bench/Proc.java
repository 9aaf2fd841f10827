package dev.gateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads a process's own accounting from /proc (Linux): CPU time, resident memory, machine load. */
final class Proc {

  /** Clock ticks per second of utime/stime (USER_HZ; 100 on every Linux build this runs on). */
  static final long TICKS_PER_SECOND = 100;

  private Proc() {
  }

  /** utime + stime of the process (all its threads), in microseconds. */
  static long cpuMicros(long pid) {
    return cpuMicros(pid, true);
  }

  /** stime of the process (time in the kernel: system calls, loopback TCP), in microseconds. */
  static long sysMicros(long pid) {
    return cpuMicros(pid, false);
  }

  private static long cpuMicros(long pid, boolean withUser) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    if (stat == null) {
      return -1;
    }
    // the command name (field 2) may contain spaces: fields are counted after its closing ')'
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long utime = withUser ? Long.parseLong(f[11]) : 0;
    long stime = Long.parseLong(f[12]);
    return (utime + stime) * 1_000_000L / TICKS_PER_SECOND;
  }

  /** VmRSS of the process in kB, or -1 when it is gone. */
  static long rssKb(long pid) {
    return statusKb(pid, "VmRSS:");
  }

  static long statusKb(long pid, String field) {
    String status = read(Path.of("/proc", Long.toString(pid), "status"));
    if (status == null) {
      return -1;
    }
    for (String line : status.split("\n")) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
      }
    }
    return -1;
  }

  /** Busy CPU time of the whole machine (all cores, everything but idle and iowait), in µs. */
  static long machineBusyMicros() {
    String stat = read(Path.of("/proc/stat"));
    if (stat == null) {
      return -1;
    }
    String[] f = stat.substring(0, stat.indexOf('\n')).trim().split("\\s+");
    long busy = 0;
    for (int i = 1; i < f.length && i <= 8; i++) {
      if (i != 4 && i != 5) {
        busy += Long.parseLong(f[i]);
      }
    }
    return busy * 1_000_000L / TICKS_PER_SECOND;
  }

  static long selfPid() {
    return ProcessHandle.current().pid();
  }

  static String loadAverage() {
    String s = read(Path.of("/proc/loadavg"));
    return s == null ? "?" : String.join(" ", List.of(s.trim().split(" ")).subList(0, 3));
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * CPU used by a server, by this generator and by everything else on the machine over a window:
   * the others' share tells how noisy a figure is (other builds on the same two cores).
   */
  static final class Window {
    private final long[] serverPids;
    private final long t0 = System.nanoTime();
    private final long server0;
    private final long serverSys0;
    private final long self0;
    private final long machine0;

    /** Over one server process, or the sum of several (the nodes of a cluster). */
    Window(long... serverPids) {
      this.serverPids = serverPids.clone();
      this.server0 = sum(this.serverPids, true);
      this.serverSys0 = sum(this.serverPids, false);
      this.self0 = cpuMicros(selfPid());
      this.machine0 = machineBusyMicros();
    }

    Usage end() {
      double seconds = (System.nanoTime() - t0) / 1e9;
      long server = sum(serverPids, true) - server0;
      long serverSys = sum(serverPids, false) - serverSys0;
      long self = cpuMicros(selfPid()) - self0;
      long machine = machineBusyMicros() - machine0;
      return new Usage(seconds, server, serverSys, self, Math.max(0, machine - server - self));
    }

    private static long sum(long[] pids, boolean withUser) {
      long total = 0;
      for (long pid : pids) {
        total += cpuMicros(pid, withUser);
      }
      return total;
    }
  }

  /** CPU microseconds used in a window of {@code seconds}. */
  record Usage(double seconds, long serverMicros, long serverSysMicros, long generatorMicros,
               long otherMicros) {

    /** Cores kept busy by other processes on average (the noise). */
    double otherCores() {
      return otherMicros / 1e6 / seconds;
    }

    double sysShare() {
      return serverMicros == 0 ? 0 : serverSysMicros / (double) serverMicros;
    }

    double serverCores() {
      return serverMicros / 1e6 / seconds;
    }
  }
}
