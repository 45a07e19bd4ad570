/**
 * What a backend implements: state-level stores ({@link network.notifi.sluice.jobs.spi.SlotStore},
 * {@link network.notifi.sluice.jobs.spi.BuildQueue}, {@link network.notifi.sluice.jobs.spi.BackoffStore},
 * {@link network.notifi.sluice.jobs.spi.BuildRecordStore}) and the {@link
 * network.notifi.sluice.jobs.spi.JobLauncher}. The admission logic, backoff arithmetic and dispatching
 * live once, in the core. Every implementation passes the contract suites of the module's test-jar
 * ({@code Abstract*ContractTest}).
 */
package network.notifi.sluice.jobs.spi;
