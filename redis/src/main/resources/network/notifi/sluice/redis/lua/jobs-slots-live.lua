-- The namespace's live leases: those whose deadline is after now.
--
-- KEYS[1]  slots  the namespace's leases: sorted set build id -> deadline (epoch ms)
-- ARGV[1]  now    epoch ms
--
-- Returns {build id, deadline, ...}.
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES')
