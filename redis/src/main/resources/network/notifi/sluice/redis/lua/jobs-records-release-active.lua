-- Frees a parser's active claim if the build holds it (a claim held by another build stays).
--
-- KEYS[1]  active  the parser's active claim: string 'buildId:forgetAt' with a TTL
-- ARGV[1]  build   build id
-- ARGV[2]  now     epoch ms
--
-- Returns 1 if the build held the claim unexpired, else 0 (an expired claim of the build is freed too).
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local holder, forget = string.match(v, '^(.*):(%-?%d+)$')
if holder ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if tonumber(forget) > tonumber(ARGV[2]) then return 1 end
return 0
