package network.notifi.sluice.jobs.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One held slot: a build's claim on a place in its namespace, valid until {@code expiresAt} unless
 * renewed.
 */
public record Lease(String namespace, String buildId, Instant expiresAt) {

  public Lease {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(buildId, "buildId");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
