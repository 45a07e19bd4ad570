-- Gives a claim back: the entry returns to the front of its line, to be served next in the line's
-- turn. Only the claim's own holder, with the claim time it got, can give it back (a claim taken over
-- since stays with its new holder).
--
-- KEYS[1]  stream      the namespace's queued builds, consumer group 'dispatchers'
-- KEYS[2]  ids         hash build id -> stream entry id
-- KEYS[3]  ring        list of the lines with waiting entries, next to serve first
-- KEYS[4]  claims      sorted set stream entry id -> claim time (epoch ms)
-- KEYS[5]  line_list   the waiting entry ids of the build's line
-- ARGV[1]  build       build id
-- ARGV[2]  consumer    the dispatcher that holds the claim
-- ARGV[3]  claimed_at  the claim's time, epoch ms
-- ARGV[4]  line        the build's third-party line ('' for none)
--
-- Returns 1 if the claim was given back, else 0.
local sid = redis.call('HGET', KEYS[2], ARGV[1])
if not sid or tonumber(redis.call('ZSCORE', KEYS[4], sid) or '-1') ~= tonumber(ARGV[3]) then return 0 end
local holder = redis.call('XPENDING', KEYS[1], 'dispatchers', sid, sid, 1)
if #holder == 0 or holder[1][2] ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[4], sid)
redis.call('XACK', KEYS[1], 'dispatchers', sid)
if redis.call('LPUSH', KEYS[5], sid) == 1 then redis.call('LPUSH', KEYS[3], ARGV[4]) end
return 1
