-- A queued build's place in its namespace's dispatch order.
-- uses: jobs-queue-functions.lua
--
-- KEYS[1]  stream  the namespace's queued builds, consumer group 'dispatchers'
-- KEYS[2]  ids     hash build id -> stream entry id
-- KEYS[3]  ring    list of the lines with waiting entries, next to serve first
-- KEYS[4]  claims  sorted set stream entry id -> claim time (epoch ms)
-- ARGV[1]  queue_line_prefix  key prefix of the per-line lists of waiting entry ids
-- ARGV[2]  build   build id
--
-- Built keys (the one exception to "every key in KEYS"): ARGV[1] .. <line>, the list of every line
-- in KEYS[3] and of the build's own line (read from KEYS[1]). The prefix carries the hash tag {jobs},
-- so these keys are on KEYS[1]'s cluster slot.
--
-- Returns -1 when the build is not queued, 0 when it is claimed, else its 1-based place.
local q = {stream = KEYS[1], ids = KEYS[2], ring = KEYS[3], claims = KEYS[4], lines = ARGV[1]}
return position(q, ARGV[2])
