-- Forgets a parser's backoff: its window and its failure count.
--
-- KEYS[1]  window    the parser's backoff window
-- KEYS[2]  failures  the parser's failure count
--
-- Returns the number of keys removed.
return redis.call('DEL', KEYS[1], KEYS[2])
