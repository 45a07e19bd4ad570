-- The admission steps of one or more build starts, in order, each atomic on the jobs hash slot: the
-- parser's backoff window, its active claim (one queued or running build per parser), then a slot
-- (under the namespace's limit and the caps across namespaces) or, with queueing on, a queue entry,
-- and the build's record. A refused start writes nothing; an admitted one also writes the pointer
-- build id -> namespace. A later start sees what the earlier ones wrote, as if each were its own call.
-- uses: jobs-backoff-functions.lua
-- uses: jobs-records-functions.lua
-- uses: jobs-slots-functions.lua
-- uses: jobs-queue-functions.lua
--
-- One call carries several starts: the real KEYS holds each start's 13 keys in turn, the real ARGV
-- holds for each start the count of its arguments, then its arguments. Below, KEYS[n] and ARGV[n]
-- are those of one start, as the function admit sees them.
--
-- KEYS[1]   window             the parser's backoff window
-- KEYS[2]   failures           the parser's failure count
-- KEYS[3]   active             the parser's active claim: string 'buildId:forgetAt' with a TTL
-- KEYS[4]   record             the build's record hash
-- KEYS[5]   slots              the namespace's leases: sorted set build id -> deadline (epoch ms)
-- KEYS[6]   expired            the namespace's leases dropped as expired, not yet reaped
-- KEYS[7]   stream             the namespace's queued builds, consumer group 'dispatchers'
-- KEYS[8]   ids                hash build id -> stream entry id
-- KEYS[9]   ring               list of the lines with waiting entries, next to serve first
-- KEYS[10]  claims             sorted set stream entry id -> claim time (epoch ms)
-- KEYS[11]  all                every namespace's leases: sorted set build id -> deadline
-- KEYS[12]  lines              hash build id -> third-party line of every lease
-- KEYS[13]  pointer            string with TTL: the build's namespace, to find its record by id
-- ARGV[1]   queue_line_prefix  key prefix of the per-line lists of waiting entry ids
-- ARGV[2]   record_prefix      key prefix of the namespace's record hashes
-- ARGV[3]   now                epoch ms
-- ARGV[4]   build              build id
-- ARGV[5]   parser             parser id
-- ARGV[6]   line               the build's third-party line ('' for none)
-- ARGV[7]   has_third_party    1 if the build has a third party, else 0
-- ARGV[8]   created_at         ISO-8601 instant, the queue entry's enqueued-at
-- ARGV[9]   namespace_limit    slots of the namespace
-- ARGV[10]  queueing           1 to queue when no slot is free, 0 to refuse
-- ARGV[11]  may_start          1 if the build may take a slot now, 0 to queue it in any case
-- ARGV[12]  max_depth          the most builds the namespace's queue holds
-- ARGV[13]  deadline           the lease's deadline, epoch ms
-- ARGV[14]  record_ttl_ms      time to live of the record and of a new active claim
-- ARGV[15]  lease_line_prefix  key prefix of the per-line lease sets
-- ARGV[16]  total_cap          leases of all namespaces together (0: no cap)
-- ARGV[17]  third_party_cap    leases of one line (0: no cap)
-- ARGV[18]  namespace          the build's namespace, the pointer's value
-- ARGV[19]  pointer_ttl_ms     time to live of the pointer
-- ARGV[20..] fields            the record's field, value pairs
--
-- Built keys (the one exception to "every key in KEYS"): ARGV[2] .. <holder>, the record of the
-- build that holds the active claim (read from KEYS[3]); ARGV[15] .. <line>, the lease sets of the
-- build's line and of the lines of swept leases (read from KEYS[12]); ARGV[1] .. <line>, the waiting
-- lists of the build's line and, for its position, of the lines in KEYS[9]. All three prefixes carry
-- the hash tag {jobs}, so these keys are on KEYS[1]'s cluster slot.
--
-- Returns a list with one reply per start, in order, each one of
--   {'error', message}                                the start's step failed (a Redis error): what
--                                                     it wrote before the error stays; the others
--                                                     are not affected
--   {'backoff', until, failures}                      the parser's window is open
--   {'already_active', position, field, value, ...}   another build holds the claim: its place in the
--                                                     queue (-1 when running) and its record
--   {'slot', leases}                                  a slot was taken; the namespace's leases
--   {'queued', position, depth}                       queued
--   {'at_capacity', queue_full 0|1, leases, depth, full limit}   refused
local KEYS_PER_START = 13

local function admit(KEYS, ARGV)
  local now = tonumber(ARGV[3])
  local build, parser = ARGV[4], ARGV[5]
  local q = {stream = KEYS[7], ids = KEYS[8], ring = KEYS[9], claims = KEYS[10], lines = ARGV[1]}
  local s = {slots = KEYS[5], expired = KEYS[6], all = KEYS[11], lines = KEYS[12], tp = ARGV[15]}
  local limits = {ARGV[9], ARGV[16], ARGV[17]}
  local window = openWindow(KEYS[1], KEYS[2], now)
  if #window > 0 then return {'backoff', window[1], window[2]} end
  local holder = claimActive(KEYS[3], build, now, ARGV[14])
  if holder ~= build then
    local record = redis.call('HGETALL', ARGV[2] .. holder)
    local state, expires = nil, 0
    for i = 1, #record, 2 do
      if record[i] == 'state' then state = record[i + 1] end
      if record[i] == 'expires_at' then expires = tonumber(record[i + 1]) end
    end
    if (state == 'queued' or state == 'running') and expires > now then
      local answer = {'already_active', -1}
      if state == 'queued' then answer[2] = position(q, holder) end
      for i = 1, #record do answer[#answer + 1] = record[i] end
      return answer
    end
    -- The holder ended or expired without freeing its claim: the claim is this build's now.
    redis.call('DEL', KEYS[3])
    claimActive(KEYS[3], build, now, ARGV[14])
  end
  local fields = {unpack(ARGV, 20)}
  local active, reached = -1, ''
  if ARGV[11] == '1' and (ARGV[10] == '0' or redis.call('HLEN', q.ids) == 0) then
    reached, active = acquire(s, now, build, ARGV[6], limits, ARGV[13])
    if reached == '' then
      putRecord(KEYS[4], ARGV[14], fields)
      redis.call('SET', KEYS[13], ARGV[18], 'PX', ARGV[19])
      return {'slot', active}
    end
  end
  if active < 0 then
    sweep(s, now)
    active = redis.call('ZCARD', KEYS[5])
    reached = full(s, ARGV[6], now, limits)
    if reached == '' then reached = 'namespace' end
  end
  if ARGV[10] == '0' then
    redis.call('DEL', KEYS[3])
    return {'at_capacity', 0, active, redis.call('HLEN', q.ids), reached}
  end
  local queued = enqueue(q, build, parser, ARGV[6], ARGV[7], ARGV[8], ARGV[12])
  if queued[1] == 0 then
    redis.call('DEL', KEYS[3])
    return {'at_capacity', 1, active, queued[3], reached}
  end
  putRecord(KEYS[4], ARGV[14], fields)
  redis.call('SET', KEYS[13], ARGV[18], 'PX', ARGV[19])
  return {'queued', queued[2], queued[3]}
end

local replies, k, a = {}, 0, 1
while a <= #ARGV do
  local n = tonumber(ARGV[a])
  local ok, reply = pcall(admit, {unpack(KEYS, k + 1, k + KEYS_PER_START)}, {unpack(ARGV, a + 1, a + n)})
  if not ok then
    reply = {'error', type(reply) == 'table' and reply.err or tostring(reply)}
  end
  replies[#replies + 1] = reply
  k, a = k + KEYS_PER_START, a + n + 1
end
return replies
