-- How many leases the namespace holds, live or expired and not yet reaped.
--
-- KEYS[1]  slots    the namespace's leases: sorted set build id -> deadline (epoch ms)
-- KEYS[2]  expired  the namespace's leases dropped as expired, not yet reaped: hash build id -> deadline
--
-- Returns the number of leases.
return redis.call('ZCARD', KEYS[1]) + redis.call('HLEN', KEYS[2])
