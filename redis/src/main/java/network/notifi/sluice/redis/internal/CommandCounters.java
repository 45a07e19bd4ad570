package network.notifi.sluice.redis.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import network.notifi.sluice.limiter.Level;

/**
 * Counts the Redis work of bucket operations per level: {@code rate_limit_redis_commands_total
 * {limit_type, command=get|cas}} (round trips: a read, or a compare-and-swap script), {@code
 * rate_limit_redis_cas_conflicts_total{limit_type}} (swaps lost to another writer) and {@code
 * rate_limit_remembered_reads_total{limit_type}} (reads answered from this replica's memory of the
 * bucket, no command sent). Thread-safe.
 */
public final class CommandCounters implements CasProxyManager.Listener {

  private final KeySchema keys;
  private final Map<Level, Counter> gets = new EnumMap<>(Level.class);
  private final Map<Level, Counter> swaps = new EnumMap<>(Level.class);
  private final Map<Level, Counter> conflicts = new EnumMap<>(Level.class);
  private final Map<Level, Counter> remembered = new EnumMap<>(Level.class);

  public CommandCounters(KeySchema keys, MeterRegistry registry) {
    this.keys = keys;
    for (Level level : Level.values()) {
      gets.put(level, Counter.builder("rate_limit_redis_commands")
          .description("Redis round trips of bucket operations (a read or a compare-and-swap script)")
          .tags("limit_type", level.code(), "command", "get")
          .register(registry));
      swaps.put(level, Counter.builder("rate_limit_redis_commands")
          .description("Redis round trips of bucket operations (a read or a compare-and-swap script)")
          .tags("limit_type", level.code(), "command", "cas")
          .register(registry));
      conflicts.put(level, Counter.builder("rate_limit_redis_cas_conflicts")
          .description("Compare-and-swaps on a bucket lost to another writer (each costs one more round trip)")
          .tag("limit_type", level.code())
          .register(registry));
      remembered.put(level, Counter.builder("rate_limit_remembered_reads")
          .description("Bucket reads answered from this replica's memory of the bucket, without a command")
          .tag("limit_type", level.code())
          .register(registry));
    }
  }

  @Override
  public void read(String key, boolean fromMemory) {
    keys.levelOf(key).ifPresent(level -> (fromMemory ? remembered : gets).get(level).increment());
  }

  @Override
  public void swap(String key, boolean won) {
    keys.levelOf(key).ifPresent(level -> {
      swaps.get(level).increment();
      if (!won) {
        conflicts.get(level).increment();
      }
    });
  }
}
