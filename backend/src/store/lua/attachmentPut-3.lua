-- Stores an upload if the account's held attachments leave room for it (the index tidied first),
-- then writes metadata, bytes and the index entry with one expiry.
-- KEYS: attachment, attachment_data, user_attachments
-- ARGV: attachment_id, now_ms, expires_ms, size, cap_bytes, data, index_entry, then metadata pairs (pairs.lua)
-- → {1, held} | {0, held}
--- @include "pairs"
--- @include "attachmentIndex"
local meta = take_list(8)
local now = tonumber(ARGV[2])
local held = index_tidy(KEYS[3], now)
local size = tonumber(ARGV[4])
if held + size > tonumber(ARGV[5]) then return { 0, held } end
hset_list(KEYS[1], meta)
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[6], 'PXAT', ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[7])
index_tidy(KEYS[3], now)
return { 1, held + size }
