package network.notifi.sluice.api.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured log line per refusal on the logger {@code sluice.rejections}, that survives a flood.
 *
 * <p>Within each window (10 s by default) at most {@code linesPerSignature} lines are written for
 * identical refusals (same reason, level, endpoint, third party and namespace), and at most {@code
 * linesPerWindow} lines in all. The rest are counted, and when the window closes one summary line
 * per kind says "N more like this in the last 10 s"; kinds beyond the line budget are folded into
 * one final summary. Every refusal is counted in {@code refusals_total{reason}} whether or not it was
 * written, so the lines written plus the summaries' counts add up to the refusals.
 *
 * <p>Thread-safe. {@link #flush()} closes a window that has ended; the app calls it periodically.
 */
public final class RefusalLog {

  private static final Logger LOG = LoggerFactory.getLogger("sluice.rejections");
  /** Distinct kinds tracked per window; beyond it, refusals are only counted in the final summary. */
  private static final int MAX_KINDS = 10_000;

  /**
   * @param linesPerSignature lines per kind of refusal per window
   * @param linesPerWindow lines in all per window, summaries included
   * @param window the window
   */
  public record Settings(int linesPerSignature, int linesPerWindow, Duration window) {
    public Settings {
      if (linesPerSignature < 1 || linesPerWindow < 1) {
        throw new IllegalArgumentException("line budgets must be >= 1");
      }
      Objects.requireNonNull(window, "window");
    }

    public static Settings defaults() {
      return new Settings(10, 100, Duration.ofSeconds(10));
    }
  }

  /**
   * One refusal; any field but {@code reason} and {@code status} may be null. A shadow refusal is a
   * shadow-mode level that would have refused: logged like a refusal, not counted as one.
   */
  public record Refusal(
      boolean shadow,
      int status,
      String reason,
      String level,
      String endpoint,
      String thirdParty,
      String namespace,
      String remote,
      String traceId,
      String detail) {

    Kind kind() {
      return new Kind(shadow, reason, level, endpoint, thirdParty, namespace);
    }
  }

  private record Kind(
      boolean shadow, String reason, String level, String endpoint, String thirdParty, String namespace) {}

  private final Settings settings;
  private final LongSupplier nanoClock;
  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<Kind, long[]> kinds = new LinkedHashMap<>(); // kind -> {written, suppressed}
  private long windowStart;
  private int linesInWindow;
  private long untracked;

  /** Reasons counted from the start at 0, so that a first refusal shows as an increase. */
  static final List<String> KNOWN_REASONS = List.of(
      "global", "endpoint", "third_party", "build_backoff", "job_limit", "invalid_event", "unknown_event_type",
      "invalid_parser_id", "invalid_namespace", "invalid_third_party", "body_too_large", "unsupported_media_type",
      "not_found", "method_not_allowed", "build_not_found", "jobs_unavailable", "jobs_degraded", "internal_error");

  public RefusalLog(Settings settings, LongSupplier nanoClock, MeterRegistry registry) {
    this.settings = settings;
    this.nanoClock = nanoClock;
    this.registry = registry;
    this.windowStart = nanoClock.getAsLong();
    KNOWN_REASONS.forEach(this::counter);
  }

  private Counter counter(String reason) {
    return counters.computeIfAbsent(reason, r ->
        Counter.builder("refusals").description("Refused requests, by reason").tag("reason", r).register(registry));
  }

  public void record(Refusal refusal) {
    if (!refusal.shadow()) {
      counter(refusal.reason()).increment();
    }
    boolean write;
    synchronized (this) {
      rollIfEnded();
      long[] counts = kinds.get(refusal.kind());
      if (counts == null) {
        if (kinds.size() >= MAX_KINDS) {
          untracked++;
          return;
        }
        counts = new long[2];
        kinds.put(refusal.kind(), counts);
      }
      write = counts[0] < settings.linesPerSignature() && linesInWindow < settings.linesPerWindow();
      if (write) {
        counts[0]++;
        linesInWindow++;
      } else {
        counts[1]++;
      }
    }
    if (write) {
      LOG.info(
          refusal.shadow() ? "shadow-mode level would have refused: {}" : "request refused: {}",
          refusal.detail(),
          kv("shadow", refusal.shadow()),
          kv("status", refusal.status()),
          kv("reason", refusal.reason()),
          kv("limit_level", refusal.level()),
          kv("endpoint", refusal.endpoint()),
          kv("third_party", refusal.thirdParty()),
          kv("namespace", refusal.namespace()),
          kv("remote_addr", refusal.remote()),
          kv("trace_id", refusal.traceId()));
    }
  }

  /** Writes the summaries of a window that has ended. */
  public synchronized void flush() {
    rollIfEnded();
  }

  /** Writes the summaries of the current window now, whether or not it has ended. */
  public synchronized void flushNow() {
    summarize();
    windowStart = nanoClock.getAsLong();
  }

  private void rollIfEnded() {
    long now = nanoClock.getAsLong();
    if (now - windowStart >= settings.window().toNanos()) {
      summarize();
      windowStart = now;
    }
  }

  private void summarize() {
    long seconds = settings.window().toSeconds();
    int budget = settings.linesPerWindow();
    long folded = untracked;
    int foldedKinds = untracked > 0 ? 1 : 0;
    for (var entry : kinds.entrySet()) {
      long suppressed = entry.getValue()[1];
      if (suppressed == 0) {
        continue;
      }
      if (budget > 1) {
        budget--;
        Kind kind = entry.getKey();
        LOG.info(
            "{} more like this in the last {} s",
            suppressed,
            seconds,
            kv("summary", true),
            kv("suppressed", suppressed),
            kv("shadow", kind.shadow()),
            kv("reason", kind.reason()),
            kv("limit_level", kind.level()),
            kv("endpoint", kind.endpoint()),
            kv("third_party", kind.thirdParty()),
            kv("namespace", kind.namespace()));
      } else {
        folded += suppressed;
        foldedKinds++;
      }
    }
    if (folded > 0) {
      LOG.info(
          "{} more refusals of {} other kinds in the last {} s",
          folded,
          foldedKinds,
          seconds,
          kv("summary", true),
          kv("suppressed", folded));
    }
    kinds.clear();
    linesInWindow = 0;
    untracked = 0;
  }
}
