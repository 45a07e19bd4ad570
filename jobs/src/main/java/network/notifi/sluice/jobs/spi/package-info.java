/**
 * What a backend implements: state-level stores ({@link SlotStore}, {@link BuildQueue}, {@link
 * BackoffStore}, {@link BuildRecordStore}) and the {@link JobLauncher}. The admission logic, backoff
 * arithmetic and dispatching live once, in the core. Every implementation passes the contract suites
 * of the module's test-jar ({@code Abstract*ContractTest}).
 */
package network.notifi.sluice.jobs.spi;
