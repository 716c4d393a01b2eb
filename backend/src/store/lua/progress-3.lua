-- Applies one task:progress: seq last+1 only, appending its chunk to the subtask's stream; the
-- first one also marks a subtask that holds its slot running.
-- KEYS: subtask, events, slots   ARGV: device_id, seq, chunk_json, now_iso, subtask_id
-- → {'notfound'} | {'final'} | {'dup'} | {'gap', last_seq} | {'applied', started (0|1)}
--- @include "subtask"
local sub, events, slots = KEYS[1], KEYS[2], KEYS[3]
local s = subtask_state(sub)
if not s or s.device_id ~= ARGV[1] then return {'notfound'} end
if FINAL[s.status] then return {'final'} end
local seq = tonumber(ARGV[2])
if seq <= s.last_seq then return {'dup'} end
if seq > s.last_seq + 1 then return {'gap', s.last_seq} end
redis.call('RPUSH', events, ARGV[3])
subtask_set_last_seq(sub, seq)
local started = 0
if s.status ~= 'running' and redis.call('SISMEMBER', slots, ARGV[5]) == 1 then
  subtask_start(sub, ARGV[4])
  started = 1
end
return {'applied', started}
