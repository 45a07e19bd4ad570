package network.notifi.sluice.loadtest.harness;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one of a HotSpot JVM's performance counters (what {@code jcmd PID PerfCounter.print} lists,
 * e.g. {@code sun.ci.totalCompiles}) from the memory-mapped file the JVM keeps at {@code
 * /tmp/hsperfdata_USER/PID}, without attaching to it: polling every 5 s this way costs nothing,
 * whereas each {@code jcmd} starts a JVM on the same shared cores. Falls back to {@code jcmd} when
 * the file cannot be read (e.g. {@code -XX:-UsePerfData}).
 */
final class JvmCounters {
  /** Methods the JIT has compiled since the JVM started. */
  static final String COMPILES = "sun.ci.totalCompiles";
  /** How often a warm-up reads {@link #COMPILES}, in seconds. */
  static final int POLL_SECONDS = 5;
  /**
   * A JVM under steady load whose JIT compiled fewer methods than this in {@link #POLL_SECONDS} s
   * counts as warm. A rule of thumb: on a slow box the JIT may not get there within a warm-up's cap,
   * which then decides (docs/benchmarks.md).
   */
  static final int SETTLED_COMPILES = 20;

  private static final Pattern JCMD_LINE = Pattern.compile("^(\\S+)=(-?\\d+)\\s*$", Pattern.MULTILINE);

  private JvmCounters() {}

  /** The long counter {@code name} of JVM {@code pid}; throws when there is no such counter. */
  static long read(long pid, String name) throws Exception {
    Path file = hsperfdata(pid);
    if (file != null) {
      Long v = fromFile(Files.readAllBytes(file), name);
      if (v != null) {
        return v;
      }
    }
    String out = Proc.run(30, "jcmd", Long.toString(pid), "PerfCounter.print");
    Matcher m = JCMD_LINE.matcher(out);
    while (m.find()) {
      if (m.group(1).equals(name)) {
        return Long.parseLong(m.group(2));
      }
    }
    throw new IllegalStateException("no counter " + name + " in jcmd " + pid + " PerfCounter.print");
  }

  private static Path hsperfdata(long pid) {
    try (var dirs = Files.newDirectoryStream(Path.of("/tmp"), "hsperfdata_*")) {
      for (Path d : dirs) {
        Path f = d.resolve(Long.toString(pid));
        if (Files.isReadable(f)) {
          return f;
        }
      }
    } catch (Exception e) {
      // no /tmp listing: use jcmd
    }
    return null;
  }

  /**
   * The counter in an hsperfdata image (HotSpot's {@code PerfDataPrologue} then {@code PerfDataEntry}
   * records, see perfMemory.hpp), or null when it is not there or the image is not one.
   */
  static Long fromFile(byte[] image, String name) {
    ByteBuffer b = ByteBuffer.wrap(image);
    if (image.length < 32 || b.getInt(0) != 0xcafec0c0) {
      return null;
    }
    b.order(image[4] == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    int offset = b.getInt(24);
    int entries = b.getInt(28);
    for (int i = 0; i < entries && offset > 0 && offset + 20 <= image.length; i++) {
      int length = b.getInt(offset);
      int nameOffset = b.getInt(offset + 4);
      int vectorLength = b.getInt(offset + 8);
      byte type = b.get(offset + 12);
      int dataOffset = b.getInt(offset + 16);
      if (length <= 0) {
        return null;
      }
      int start = offset + nameOffset;
      int end = start;
      while (end < image.length && image[end] != 0) {
        end++;
      }
      if (type == 'J' && vectorLength == 0
          && name.equals(new String(image, start, end - start, StandardCharsets.US_ASCII))) {
        return b.getLong(offset + dataOffset);
      }
      offset += length;
    }
    return null;
  }
}
