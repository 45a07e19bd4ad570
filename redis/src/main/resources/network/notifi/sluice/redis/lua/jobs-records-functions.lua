-- The record functions that the records scripts and the admission step share. Each takes its key as
-- its first argument.
--
-- putRecord(key, ttl, fields)         replaces the record hash at key with the field, value pairs in
--                                     the table fields, living ttl ms
-- claimActive(key, build, now, ttl)   the parser's active claim at key, a string 'buildId:forgetAt'
--                                     with a TTL: returns its holder while forgetAt is after now, else
--                                     makes build its holder for ttl ms and returns build
local function putRecord(key, ttl, fields)
  redis.call('DEL', key)
  redis.call('HSET', key, unpack(fields))
  redis.call('PEXPIRE', key, ttl)
end
local function claimActive(key, build, now, ttl)
  local v = redis.call('GET', key)
  if v then
    local holder, forget = string.match(v, '^(.*):(%-?%d+)$')
    if tonumber(forget) > tonumber(now) then return holder end
  end
  redis.call('SET', key, build .. ':' .. (tonumber(now) + tonumber(ttl)), 'PX', ttl)
  return build
end
