-- Applies one task:progress: seq last+1 only, appending its chunk to the subtask's stream; the
-- first one also marks a subtask that holds its slot running. Permission requests and decisions
-- among its events are recorded in the same step, so the pending set never disagrees with the
-- stream: a request is recorded once; the device's decision is the last word on how it ended
-- (it replaces a chat's answer still recorded as on its way).
-- KEYS: subtask, events, slots, requests, decisions
-- ARGV: device_id, seq, chunk_json, now_iso, subtask_id, then a list (pairs.lua) of
--       kind ('request'|'decision'), request_id, record_json triples
-- → {'notfound'} | {'final'} | {'dup'} | {'gap', last_seq} | {'applied', started (0|1)}
--- @include "pairs"
--- @include "subtask"
local sub, events, slots, requests, decisions = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local s = subtask_state(sub)
if not s or s.device_id ~= ARGV[1] then return {'notfound'} end
if FINAL[s.status] then return {'final'} end
local seq = tonumber(ARGV[2])
if seq <= s.last_seq then return {'dup'} end
if seq > s.last_seq + 1 then return {'gap', s.last_seq} end
redis.call('RPUSH', events, ARGV[3])
subtask_set_last_seq(sub, seq)
local ops = take_list(6)
for i = 1, #ops, 3 do
  if ops[i] == 'request' then redis.call('HSETNX', requests, ops[i + 1], ops[i + 2])
  else redis.call('HSET', decisions, ops[i + 1], ops[i + 2]) end
end
local started = 0
if s.status ~= 'running' and redis.call('SISMEMBER', slots, ARGV[5]) == 1 then
  subtask_start(sub, ARGV[4])
  started = 1
end
return {'applied', started}
