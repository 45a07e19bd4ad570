-- Compare-and-swap of one Bucket4j bucket state that answers the state it found when the swap fails,
-- so that a lost swap costs no extra GET: the caller retries from the state in the answer.
--
-- KEYS[1]  the bucket's key (sluice:rl:{...})
-- ARGV[1]  expected_exists  '1' when the caller's state came from an existing key, '0' when the key was absent
-- ARGV[2]  expected         the state bytes the caller computed from (ignored when expected_exists is '0')
-- ARGV[3]  new_state        the state bytes to write
-- ARGV[4]  ttl_ms           time to live of the key in milliseconds; '0' for none
--
-- Returns {1} when new_state was written; otherwise {0, current} with the key's value now, or {0}
-- when the key does not exist.
local current = redis.call('GET', KEYS[1])
local matches
if ARGV[1] == '0' then
  matches = not current
else
  matches = current == ARGV[2]
end
if matches then
  if ARGV[4] == '0' then
    redis.call('SET', KEYS[1], ARGV[3])
  else
    redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
  end
  return {1}
end
if current then
  return {0, current}
end
return {0}
