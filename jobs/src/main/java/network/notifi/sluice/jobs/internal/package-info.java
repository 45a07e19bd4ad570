/** The dispatcher, the backoff arithmetic, estimates and meters. Not an API; may change freely. */
package network.notifi.sluice.jobs.internal;
