-- Publishes a new version of the limits in force: one step, so versions never repeat. A file
-- document also becomes the baseline that later starts and reloads compare their file with.
--
-- KEYS[1]  config      the config hash: version, document, source, changed_at, file
-- ARGV[1]  document    the limits' document
-- ARGV[2]  source      where the change came from: 'file' or 'admin'
-- ARGV[3]  changed_at  epoch ms
-- ARGV[4]  file        the file's document, or '' when the change is not a file's
--
-- Returns {version, document, source, changed_at} of the new version.
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'document', ARGV[1], 'source', ARGV[2], 'changed_at', ARGV[3])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'file', ARGV[4])
end
return {version, ARGV[1], ARGV[2], ARGV[3]}
