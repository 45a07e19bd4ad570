package network.notifi.sluice.jobs.local;

import java.nio.charset.StandardCharsets;

/**
 * The last {@code capacity} bytes written to it, older bytes dropped. Thread-safe. Text is decoded
 * as UTF-8; a character cut at the start of the kept tail shows as a replacement character.
 */
public final class BoundedLog {

  private final byte[] ring;
  // written counts bytes that went into the ring; dropped those of one oversized write skipped.
  private long written;
  private long dropped;

  public BoundedLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    this.ring = new byte[capacity];
  }

  public synchronized void write(byte[] bytes, int offset, int length) {
    int start = Math.max(0, length - ring.length);
    for (int i = start; i < length; i++) {
      ring[(int) ((written + i - start) % ring.length)] = bytes[offset + i];
    }
    written += length - start;
    dropped += start;
  }

  /** Bytes written in all, kept or not. */
  public synchronized long totalBytes() {
    return written + dropped;
  }

  /** Whether older output was dropped. */
  public synchronized boolean truncated() {
    return totalBytes() > ring.length;
  }

  /** The kept tail, decoded as UTF-8. */
  public synchronized String text() {
    int kept = (int) Math.min(written, ring.length);
    byte[] out = new byte[kept];
    long first = written - kept;
    for (int i = 0; i < kept; i++) {
      out[i] = ring[(int) ((first + i) % ring.length)];
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
