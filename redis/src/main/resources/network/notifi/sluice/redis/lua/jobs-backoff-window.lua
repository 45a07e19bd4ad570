-- A parser's open backoff window, if any.
-- uses: jobs-backoff-functions.lua
--
-- KEYS[1]  window    the parser's backoff window: string holding its end (epoch ms) with a TTL
-- KEYS[2]  failures  the parser's failure count: string 'count:forgetAt' with a TTL
-- ARGV[1]  now       epoch ms
--
-- Returns {until (epoch ms), failures} while the window is open, else {}.
return openWindow(KEYS[1], KEYS[2], ARGV[1])
