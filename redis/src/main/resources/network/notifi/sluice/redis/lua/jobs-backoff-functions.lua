-- The backoff function that the backoff window script and the admission step share.
--
-- openWindow(window, count, now)  the parser's open backoff window: {until (epoch ms), failures}
--                                 when the string at window holds an end after now, else {}; failures
--                                 come from the string at count, 'count:forgetAt' (0 when absent)
local function openWindow(window, count, now)
  local untilMs = redis.call('GET', window)
  if not untilMs or tonumber(untilMs) <= tonumber(now) then return {} end
  local failures = 0
  local v = redis.call('GET', count)
  if v then failures = tonumber(string.match(v, '^(%d+):')) end
  return {tonumber(untilMs), failures}
end
