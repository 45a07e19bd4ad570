-- Writes a build's record: the hash is replaced as a whole and lives the given time.
-- uses: jobs-records-functions.lua
--
-- KEYS[1]     record  the build's record hash
-- ARGV[1]     ttl_ms  the record's time to live
-- ARGV[2..]   fields  the record's field, value pairs
--
-- Returns 1.
putRecord(KEYS[1], ARGV[1], {unpack(ARGV, 2)})
return 1
