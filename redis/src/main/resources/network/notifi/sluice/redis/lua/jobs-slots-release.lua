-- Gives a build's slot back: its live lease or its expired, not yet reaped one, and its place in the
-- caps' sets.
-- uses: jobs-slots-functions.lua
--
-- KEYS[1]  slots    the namespace's leases: sorted set build id -> deadline (epoch ms)
-- KEYS[2]  expired  the namespace's leases dropped as expired, not yet reaped: hash build id -> deadline
-- KEYS[3]  all      every namespace's leases: sorted set build id -> deadline
-- KEYS[4]  lines    hash build id -> third-party line of every lease
-- ARGV[1]  lease_line_prefix  key prefix of the per-line lease sets
-- ARGV[2]  build    build id
--
-- Built keys (the one exception to "every key in KEYS"): ARGV[1] .. <line>, the lease set of the
-- build's line, read inside the script from KEYS[4]. The prefix carries the hash tag {jobs}, so the
-- key is on KEYS[1]'s cluster slot.
--
-- Returns 1 if a live or expired-unreaped lease was removed, else 0.
local s = {slots = KEYS[1], expired = KEYS[2], all = KEYS[3], lines = KEYS[4], tp = ARGV[1]}
forget(s, ARGV[2])
return redis.call('ZREM', s.slots, ARGV[2]) + redis.call('HDEL', s.expired, ARGV[2])
