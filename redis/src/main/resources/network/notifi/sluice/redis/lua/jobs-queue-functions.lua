-- The queue functions that the queue scripts and the admission step share. They take one namespace's
-- queue keys as one table, which each script builds from its KEYS and ARGV:
--   q = {stream = the queued builds, stream with consumer group 'dispatchers',
--        ids    = hash build id -> stream entry id of every queued build until acknowledged,
--        ring   = list of the third-party lines that hold waiting entries, the one to serve next first,
--        claims = sorted set stream entry id -> claim time (epoch ms) of claimed entries,
--        lines  = key prefix of the per-line lists: q.lines .. line is the list of one line's waiting
--                 entry ids, oldest first}
-- A per-line list is a key built here: which lines a position counts is read inside the script (from
-- q.ring and the stream). The prefix carries the hash tag {jobs}, so every such key is on the slot of
-- the script's KEYS.
--
-- lineOf(q, sid)              the third-party line of stream entry sid
-- position(q, build)          -1 when the build is not queued, 0 when its entry is claimed, else its
--                             1-based place in dispatch order (round robin over the lines in ring order)
-- enqueue(q, build, parser, line, tp, at, maxDepth)
--                             appends the build to the stream and to its line's list (tp: has a third
--                             party 0|1; at: enqueued at, ISO-8601) unless the queue holds maxDepth
--                             builds; a build already queued is accepted again, in place. Returns
--                             {accepted 0|1, position, depth}
local function lineOf(q, sid)
  local e = redis.call('XRANGE', q.stream, sid, sid)
  local f = e[1][2]
  for i = 1, #f, 2 do if f[i] == 'line' then return f[i + 1] end end
  return ''
end
local function position(q, build)
  local sid = redis.call('HGET', q.ids, build)
  if not sid then return -1 end
  if redis.call('ZSCORE', q.claims, sid) then return 0 end
  local own = lineOf(q, sid)
  local k = redis.call('LPOS', q.lines .. own, sid)
  local ring = redis.call('LRANGE', q.ring, 0, -1)
  local before = k
  local passed = 1
  for i = 1, #ring do
    if ring[i] == own then
      passed = 0
    else
      before = before + math.min(redis.call('LLEN', q.lines .. ring[i]), k + passed)
    end
  end
  return before + 1
end
local function enqueue(q, build, parser, line, tp, at, maxDepth)
  if not redis.call('HGET', q.ids, build) then
    local depth = redis.call('HLEN', q.ids)
    if depth >= tonumber(maxDepth) then return {0, 0, depth} end
    if redis.call('EXISTS', q.stream) == 0 then
      redis.call('XGROUP', 'CREATE', q.stream, 'dispatchers', '0', 'MKSTREAM')
    end
    local sid = redis.call('XADD', q.stream, '*', 'build', build, 'parser', parser, 'line', line,
        'tp', tp, 'at', at)
    redis.call('HSET', q.ids, build, sid)
    if redis.call('RPUSH', q.lines .. line, sid) == 1 then redis.call('RPUSH', q.ring, line) end
  end
  return {1, position(q, build), redis.call('HLEN', q.ids)}
end
