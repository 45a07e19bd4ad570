-- Removes a claimed build from the queue for good (XACK and XDEL), once: only while its entry is
-- still claimed.
--
-- KEYS[1]  stream  the namespace's queued builds, consumer group 'dispatchers'
-- KEYS[2]  ids     hash build id -> stream entry id
-- KEYS[3]  claims  sorted set stream entry id -> claim time (epoch ms)
-- ARGV[1]  build   build id
--
-- Returns 1 if this call removed the claimed entry, else 0.
local sid = redis.call('HGET', KEYS[2], ARGV[1])
if not sid or redis.call('ZREM', KEYS[3], sid) == 0 then return 0 end
redis.call('XACK', KEYS[1], 'dispatchers', sid)
redis.call('XDEL', KEYS[1], sid)
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
