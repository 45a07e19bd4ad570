-- Takes a slot for a build, unless its namespace's limit or a cap across namespaces is full; a build
-- that holds a slot keeps it with the new deadline. Expired leases are swept first.
-- uses: jobs-slots-functions.lua
--
-- KEYS[1]  slots            the namespace's leases: sorted set build id -> deadline (epoch ms)
-- KEYS[2]  expired          the namespace's leases dropped as expired, not yet reaped: hash build id -> deadline
-- KEYS[3]  all              every namespace's leases: sorted set build id -> deadline
-- KEYS[4]  lines            hash build id -> third-party line of every lease
-- ARGV[1]  lease_line_prefix  key prefix of the per-line lease sets
-- ARGV[2]  now              epoch ms
-- ARGV[3]  build            build id
-- ARGV[4]  line             the build's third-party line ('' for none)
-- ARGV[5]  namespace_limit  slots of the namespace
-- ARGV[6]  total_cap        leases of all namespaces together (0: no cap)
-- ARGV[7]  third_party_cap  leases of one line (0: no cap)
-- ARGV[8]  deadline         the lease's deadline, epoch ms
--
-- Built keys (the one exception to "every key in KEYS"): ARGV[1] .. <line>, the lease set of the
-- build's line and of the line of every lease swept; those lines are read inside the script. The
-- prefix carries the hash tag {jobs}, so these keys are on KEYS[1]'s cluster slot.
--
-- Returns {full limit ('namespace', 'total', 'third_party') or '' when taken, the namespace's leases}.
local s = {slots = KEYS[1], expired = KEYS[2], all = KEYS[3], lines = KEYS[4], tp = ARGV[1]}
local reached, active = acquire(s, ARGV[2], ARGV[3], ARGV[4], {ARGV[5], ARGV[6], ARGV[7]}, ARGV[8])
return {reached, active}
