/**
 * Build admission, what a user of Sluice touches: {@link network.notifi.sluice.jobs.BuildAdmission}
 * (start a build, ask its status), its answers ({@link network.notifi.sluice.jobs.AdmissionResult}),
 * the request and build records, and the settings ({@link network.notifi.sluice.jobs.JobsConfig}).
 *
 * <p>Backends implement the interfaces in {@code spi}; {@code inprocess} and {@code local} are the
 * embedded defaults; {@code internal} may change freely. Nothing here knows Redis, Kubernetes or
 * HTTP.
 */
package network.notifi.sluice.jobs;
