/**
 * Build admission, what a user of Sluice touches: {@link BuildAdmission} (start a build, ask its
 * status), its answers ({@link AdmissionResult}), the request and build records, and the settings
 * ({@link JobsConfig}).
 *
 * <p>Backends implement the interfaces in {@code spi}; {@code inprocess} and {@code local} are the
 * embedded defaults; {@code internal} may change freely. Nothing here knows Redis, Kubernetes or
 * HTTP.
 */
package network.notifi.sluice.jobs;
