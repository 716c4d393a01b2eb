-- A subtask's device fetches an upload, once: its need is struck, the bytes are answered, and when
-- no subtask needs it any more it is deleted at once (metadata, bytes, index entry).
-- KEYS: attachment, attachment_data, user_attachments   ARGV: attachment_id, need_field, needs_field, now_ms
--- @include "attachmentIndex"
-- → the bytes | false
if redis.call('HDEL', KEYS[1], ARGV[2]) == 0 then return false end
local data = redis.call('GET', KEYS[2])
if not data then return false end
if redis.call('HINCRBY', KEYS[1], ARGV[3], -1) <= 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HDEL', KEYS[3], ARGV[1])
  index_tidy(KEYS[3], tonumber(ARGV[4]))
end
return data
