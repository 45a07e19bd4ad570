-- The slot functions that the slots scripts, the queue's claim and the admission step share. They
-- take a namespace's slot keys as one table, which each script builds from its KEYS and ARGV:
--   s = {slots   = the namespace's leases, sorted set build id -> deadline (epoch ms),
--        expired = the namespace's leases dropped as expired and not yet reaped, hash build id -> deadline,
--        all     = every namespace's leases, sorted set build id -> deadline,
--        lines   = hash build id -> third-party line ('' for none) of every lease,
--        tp      = key prefix of the per-line lease sets: s.tp .. line is the sorted set of one line}
-- A per-line set is a key built here: which lines a sweep or a release touches is read inside the
-- script. The prefix carries the hash tag {jobs}, so every such key is on the slot of the script's KEYS.
-- A lease counts against the limits while its deadline is after now.
--
-- forget(s, build)                  drops the build from the caps' sets (all, its line's set, lines)
-- sweep(s, now)                     moves the namespace's leases with deadline <= now to s.expired and
--                                   out of the caps' sets
-- live(key, now)                    the number of leases in sorted set key with deadline after now
-- full(s, line, now, limits)        '' when one more lease of the line fits, else the first full limit:
--                                   'namespace', 'total' or 'third_party' (limits = {namespace, total,
--                                   third party}; a cap of 0 is none)
-- acquire(s, now, build, line, limits, deadline)
--                                   sweeps, then takes a lease until deadline unless a limit is full (a
--                                   build that holds one keeps it, with the new deadline); returns that
--                                   full limit or '', and the namespace's leases afterwards
local function forget(s, build)
  redis.call('ZREM', s.all, build)
  local line = redis.call('HGET', s.lines, build)
  if line then
    redis.call('ZREM', s.tp .. line, build)
    redis.call('HDEL', s.lines, build)
  end
end
local function sweep(s, now)
  local gone = redis.call('ZRANGEBYSCORE', s.slots, '-inf', now, 'WITHSCORES')
  for i = 1, #gone, 2 do
    redis.call('HSET', s.expired, gone[i], gone[i + 1])
    forget(s, gone[i])
  end
  if #gone > 0 then redis.call('ZREMRANGEBYSCORE', s.slots, '-inf', now) end
end
local function live(key, now)
  return redis.call('ZCOUNT', key, '(' .. now, '+inf')
end
local function full(s, line, now, limits)
  if live(s.slots, now) >= tonumber(limits[1]) then return 'namespace' end
  if tonumber(limits[2]) > 0 and live(s.all, now) >= tonumber(limits[2]) then return 'total' end
  if tonumber(limits[3]) > 0 and live(s.tp .. line, now) >= tonumber(limits[3]) then return 'third_party' end
  return ''
end
local function acquire(s, now, build, line, limits, deadline)
  sweep(s, now)
  local reached = ''
  if not redis.call('ZSCORE', s.slots, build) then reached = full(s, line, now, limits) end
  if reached == '' then
    redis.call('ZADD', s.slots, deadline, build)
    redis.call('ZADD', s.all, deadline, build)
    redis.call('ZADD', s.tp .. line, deadline, build)
    redis.call('HSET', s.lines, build, line)
  end
  return reached, redis.call('ZCARD', s.slots)
end
