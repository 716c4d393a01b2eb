-- Stores an upload if the account's held attachments leave room for it: prunes the index of what
-- expired, sums what is left, then writes metadata, bytes and the index entry with one expiry.
-- KEYS: attachment, attachment_data, user_attachments
-- ARGV: attachment_id, now_ms, expires_ms, size, cap_bytes, data, index_entry, then metadata pairs (pairs.lua)
-- → {1, held} | {0, held}
--- @include "pairs"
--- @include "attachmentIndex"
local meta = take_list(8)
local now = tonumber(ARGV[2])
local held = 0
local index = redis.call('HGETALL', KEYS[3])
for i = 1, #index, 2 do
  local sep = string.find(index[i + 1], ':', 1, true)
  local expires = tonumber(string.sub(index[i + 1], 1, sep - 1))
  if expires <= now then
    redis.call('HDEL', KEYS[3], index[i])
  else
    held = held + tonumber(string.sub(index[i + 1], sep + 1))
  end
end
local size = tonumber(ARGV[4])
if held + size > tonumber(ARGV[5]) then return { 0, held } end
hset_list(KEYS[1], meta)
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], ARGV[6], 'PXAT', ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[7])
index_expire_at(KEYS[3], ARGV[3])
return { 1, held + size }
