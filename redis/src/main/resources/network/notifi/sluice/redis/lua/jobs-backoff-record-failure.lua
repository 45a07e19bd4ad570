-- Counts one more failure of a parser; a count whose forget time has passed starts again at 1. The
-- count is kept for keep_ms from now.
--
-- KEYS[1]  failures  the parser's failure count: string 'count:forgetAt' with a TTL
-- ARGV[1]  now       epoch ms
-- ARGV[2]  keep_ms   how long the count is kept
--
-- Returns the new count.
local now = tonumber(ARGV[1])
local count = 1
local v = redis.call('GET', KEYS[1])
if v then
  local c, forget = string.match(v, '^(%d+):(%-?%d+)$')
  if tonumber(forget) > now then count = tonumber(c) + 1 end
end
redis.call('SET', KEYS[1], count .. ':' .. (now + tonumber(ARGV[2])), 'PX', ARGV[2])
return count
