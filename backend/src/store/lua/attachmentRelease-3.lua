-- A subtask ended: it needs the upload no more (fetched or not). When no subtask needs it, it goes at
-- once (metadata, bytes, index entry) instead of waiting for its TTL.
-- KEYS: attachment, attachment_data, user_attachments   ARGV: attachment_id, need_field, needs_field, now_ms
--- @include "attachmentIndex"
-- → 1 (deleted) | 0
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then return 0 end
if redis.call('HINCRBY', KEYS[1], ARGV[3], -1) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HDEL', KEYS[3], ARGV[1])
index_tidy(KEYS[3], tonumber(ARGV[4]))
return 1
