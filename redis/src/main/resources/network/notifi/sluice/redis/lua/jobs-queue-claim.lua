-- Hands one queued build of the namespace to a dispatcher (the consumer). A stale claim is taken over
-- first: found by its claim time on the caller's clock (XCLAIM moves it), else by the group's own
-- idle time (XAUTOCLAIM); the two agree when the clock is the real one. Else the first line in ring
-- order whose third party is under its cap is served (its oldest entry, delivered to the consumer
-- through the group, so XPENDING shows who holds what) and sent to the back of the ring; lines passed
-- over keep their place. Nothing is served while the namespace or the total is full.
-- uses: jobs-slots-functions.lua
--
-- KEYS[1]  stream   the namespace's queued builds, consumer group 'dispatchers'
-- KEYS[2]  ring     list of the lines with waiting entries, next to serve first
-- KEYS[3]  claims   sorted set stream entry id -> claim time (epoch ms)
-- KEYS[4]  slots    the namespace's leases: sorted set build id -> deadline (epoch ms)
-- KEYS[5]  expired  the namespace's leases dropped as expired, not yet reaped: hash build id -> deadline
-- KEYS[6]  all      every namespace's leases: sorted set build id -> deadline
-- KEYS[7]  lines    hash build id -> third-party line of every lease
-- ARGV[1]  queue_line_prefix  key prefix of the per-line lists of waiting entry ids
-- ARGV[2]  consumer         the claiming dispatcher
-- ARGV[3]  now              epoch ms
-- ARGV[4]  reclaim_cutoff   epoch ms; a claim made at or before it is stale
-- ARGV[5]  reclaim_ms       idle time after which the group's pending entry is stale
-- ARGV[6]  lease_line_prefix  key prefix of the per-line lease sets
-- ARGV[7]  namespace_limit  slots of the namespace
-- ARGV[8]  total_cap        leases of all namespaces together (0: no cap)
-- ARGV[9]  third_party_cap  leases of one line (0: no cap)
--
-- Built keys (the one exception to "every key in KEYS"): ARGV[1] .. <line>, the waiting list of the
-- line served, and ARGV[6] .. <line>, the lease set of every line in KEYS[2] checked against its
-- cap; those lines are read inside the script. Both prefixes carry the hash tag {jobs}, so these keys
-- are on KEYS[1]'s cluster slot.
--
-- Returns the claimed entry's fields {'build', id, 'parser', id, 'line', line, 'tp', 0|1, 'at', instant},
-- or {} when nothing may be served.
local s = {slots = KEYS[4], expired = KEYS[5], all = KEYS[6], lines = KEYS[7], tp = ARGV[6]}
local sid
local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[4], 'LIMIT', 0, 1)
if #stale > 0 then
  sid = stale[1]
  redis.call('XCLAIM', KEYS[1], 'dispatchers', ARGV[2], 0, sid)
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  local idle = redis.call('XAUTOCLAIM', KEYS[1], 'dispatchers', ARGV[2], ARGV[5], '0-0', 'COUNT', 1)
  if #idle[2] > 0 then sid = idle[2][1][1] end
end
if not sid then
  local limits = {ARGV[7], ARGV[8], ARGV[9]}
  local turn
  for _, line in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
    local reached = full(s, line, ARGV[3], limits)
    if reached == '' then turn = line break end
    if reached ~= 'third_party' then return {} end
  end
  if not turn then return {} end
  redis.call('LREM', KEYS[2], 1, turn)
  sid = redis.call('LPOP', ARGV[1] .. turn)
  if redis.call('LLEN', ARGV[1] .. turn) > 0 then redis.call('RPUSH', KEYS[2], turn) end
  local prev = redis.call('XREVRANGE', KEYS[1], '(' .. sid, '-', 'COUNT', 1)
  local from = '0-0'
  if #prev > 0 then from = prev[1][1] end
  redis.call('XGROUP', 'SETID', KEYS[1], 'dispatchers', from)
  redis.call('XREADGROUP', 'GROUP', 'dispatchers', ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], '>')
end
redis.call('ZADD', KEYS[3], ARGV[3], sid)
return redis.call('XRANGE', KEYS[1], sid, sid)[1][2]
