-- A message names an upload: the subtask will fetch it, and it now lives until then (at most the
-- sent TTL). Refused (0) when it is gone or another account's. Field names come from TypeScript.
-- KEYS: attachment, attachment_data, user_attachments
-- ARGV: attachment_id, user_id, need_field, expires_ms, index_entry, owner_field, needs_field, now_ms
-- → 1 | 0
--- @include "attachmentIndex"
if redis.call('HGET', KEYS[1], ARGV[6]) ~= ARGV[2] then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], ARGV[3], '1') == 1 then redis.call('HINCRBY', KEYS[1], ARGV[7], 1) end
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('PEXPIREAT', KEYS[2], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[5])
index_tidy(KEYS[3], tonumber(ARGV[8]))
return 1
