package network.notifi.sluice.jobs.spi;

/**
 * The answer of {@link BuildQueue#enqueue}.
 *
 * @param accepted whether the entry is in the queue (false: the queue was at its maximum depth)
 * @param position the entry's 1-based place in dispatch order; 0 when not accepted
 * @param depth entries in the namespace's queue after the call
 */
public record Enqueued(boolean accepted, long position, long depth) {}
