-- A replica's configuration file at start or reload. If it differs from the file last published
-- (or nothing was), its limits are published as a new version; otherwise the limits in force stay,
-- including a change made through the admin API since.
--
-- KEYS[1]  config      the config hash: version, document, source, changed_at, file
-- ARGV[1]  document    the file's document
-- ARGV[2]  changed_at  epoch ms
--
-- Returns {version, document, source, changed_at} of the limits in force afterwards.
if redis.call('HGET', KEYS[1], 'file') ~= ARGV[1] then
  local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('HSET', KEYS[1], 'document', ARGV[1], 'source', 'file', 'changed_at', ARGV[2], 'file', ARGV[1])
  return {version, ARGV[1], 'file', ARGV[2]}
end
local v = redis.call('HMGET', KEYS[1], 'version', 'document', 'source', 'changed_at')
return {tonumber(v[1]), v[2], v[3], v[4]}
