/**
 * The Redis backend of the jobs SPIs: slots, the fair queue on a stream, failure backoff and build
 * records, shared by every replica on one Redis (standalone or cluster). {@link RedisJobStores} is the
 * one door; the stores themselves are package-private. Each store passes the jobs module's contract
 * suites on both server kinds.
 */
package network.notifi.sluice.redis.jobs;
