-- Opens (or moves) a parser's backoff window until the given end; the failure count lives at least
-- as long as the window.
--
-- KEYS[1]  window    the parser's backoff window: string holding its end (epoch ms) with a TTL
-- KEYS[2]  failures  the parser's failure count: string 'count:forgetAt' with a TTL
-- ARGV[1]  now       epoch ms
-- ARGV[2]  until     the window's end, epoch ms
--
-- Returns 1.
local now = tonumber(ARGV[1])
local untilMs = tonumber(ARGV[2])
local ttl = math.max(1, untilMs - now)
redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
local count, forget = 0, untilMs
local v = redis.call('GET', KEYS[2])
if v then
  local c, f = string.match(v, '^(%d+):(%-?%d+)$')
  count = tonumber(c)
  forget = math.max(tonumber(f), untilMs)
end
redis.call('SET', KEYS[2], count .. ':' .. forget, 'PX', math.max(1, forget - now))
return 1
