-- Moves a held slot's deadline, in the namespace's leases and the caps' sets. Expired leases are
-- swept first, so a lease past its deadline is not renewed.
-- uses: jobs-slots-functions.lua
--
-- KEYS[1]  slots     the namespace's leases: sorted set build id -> deadline (epoch ms)
-- KEYS[2]  expired   the namespace's leases dropped as expired, not yet reaped: hash build id -> deadline
-- KEYS[3]  all       every namespace's leases: sorted set build id -> deadline
-- KEYS[4]  lines     hash build id -> third-party line of every lease
-- ARGV[1]  lease_line_prefix  key prefix of the per-line lease sets
-- ARGV[2]  now       epoch ms
-- ARGV[3]  build     build id
-- ARGV[4]  deadline  the new deadline, epoch ms
--
-- Built keys (the one exception to "every key in KEYS"): ARGV[1] .. <line>, the lease set of the
-- build's line and of the line of every lease swept; those lines are read inside the script. The
-- prefix carries the hash tag {jobs}, so these keys are on KEYS[1]'s cluster slot.
--
-- Returns 1 if the build held a live lease (now renewed), else 0.
local s = {slots = KEYS[1], expired = KEYS[2], all = KEYS[3], lines = KEYS[4], tp = ARGV[1]}
sweep(s, ARGV[2])
if not redis.call('ZSCORE', s.slots, ARGV[3]) then return 0 end
redis.call('ZADD', s.slots, ARGV[4], ARGV[3])
redis.call('ZADD', s.all, ARGV[4], ARGV[3])
local line = redis.call('HGET', s.lines, ARGV[3])
if line then redis.call('ZADD', s.tp .. line, ARGV[4], ARGV[3]) end
return 1
