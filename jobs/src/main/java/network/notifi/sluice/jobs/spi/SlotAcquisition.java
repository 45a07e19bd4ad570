package network.notifi.sluice.jobs.spi;

/**
 * The answer of {@link SlotStore#acquire}.
 *
 * @param acquired whether the build now holds a slot
 * @param active unexpired leases in the namespace after the attempt
 */
public record SlotAcquisition(boolean acquired, int active) {}
