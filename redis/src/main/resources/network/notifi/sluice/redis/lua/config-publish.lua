-- Publishes a new version of the limits in force: one step, so versions never repeat.
-- KEYS[1]: the config hash. ARGV: document, source, changed_at (epoch ms), file document or ''.
-- A file document also becomes the baseline that later starts and reloads compare their file with.
-- Returns {version, document, source, changed_at}.
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'document', ARGV[1], 'source', ARGV[2], 'changed_at', ARGV[3])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'file', ARGV[4])
end
return {version, ARGV[1], ARGV[2], ARGV[3]}
