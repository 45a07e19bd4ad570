/** Builds as child processes of this replica ({@code jobs.launcher: local}), the embedded default. */
package network.notifi.sluice.jobs.local;
