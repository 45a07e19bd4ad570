-- When the oldest entry of the namespace's queue (claimed or not) was enqueued.
--
-- KEYS[1]  stream  the namespace's queued builds, consumer group 'dispatchers'
--
-- Returns the entry's enqueued-at instant (ISO-8601), or false when the queue is empty.
local e = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #e == 0 then return false end
local f = e[1][2]
for i = 1, #f, 2 do if f[i] == 'at' then return f[i + 1] end end
return false
