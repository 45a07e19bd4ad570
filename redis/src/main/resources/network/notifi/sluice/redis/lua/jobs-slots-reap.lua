-- Hands out the namespace's expired leases, each once: sweeps the leases past their deadline, then
-- returns and empties the expired hash.
-- uses: jobs-slots-functions.lua
--
-- KEYS[1]  slots    the namespace's leases: sorted set build id -> deadline (epoch ms)
-- KEYS[2]  expired  the namespace's leases dropped as expired, not yet reaped: hash build id -> deadline
-- KEYS[3]  all      every namespace's leases: sorted set build id -> deadline
-- KEYS[4]  lines    hash build id -> third-party line of every lease
-- ARGV[1]  lease_line_prefix  key prefix of the per-line lease sets
-- ARGV[2]  now      epoch ms
--
-- Built keys (the one exception to "every key in KEYS"): ARGV[1] .. <line>, the lease set of the
-- line of every lease swept, read inside the script from KEYS[4]. The prefix carries the hash tag
-- {jobs}, so these keys are on KEYS[1]'s cluster slot.
--
-- Returns {build id, deadline, ...} of the expired leases.
local s = {slots = KEYS[1], expired = KEYS[2], all = KEYS[3], lines = KEYS[4], tp = ARGV[1]}
sweep(s, ARGV[2])
local reaped = redis.call('HGETALL', s.expired)
redis.call('DEL', s.expired)
return reaped
