-- A chat's answer to a permission request, recorded once: the first answer wins, from any side.
-- KEYS: subtask, requests, decisions   ARGV: user_id, request_id, record_json
-- → {'notfound'} (no such subtask, or another user's) | {'final'} | {'norequest'}
--   | {'decided', record_json} | {'ok', device_id}
--- @include "subtask"
local sub, requests, decisions = KEYS[1], KEYS[2], KEYS[3]
local s = subtask_state(sub)
if not s or subtask_owner(sub) ~= ARGV[1] then return {'notfound'} end
if redis.call('HEXISTS', requests, ARGV[2]) == 0 then return {'norequest'} end
local known = redis.call('HGET', decisions, ARGV[2])
if known then return {'decided', known} end
if FINAL[s.status] then return {'final'} end
redis.call('HSET', decisions, ARGV[2], ARGV[3])
return {'ok', s.device_id}
