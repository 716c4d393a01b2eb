-- Applies one task:progress: seq last+1 only, appending its chunk to the subtask's stream; the
-- first one also marks a subtask that holds its slot running. Permission requests and decisions
-- among its events are recorded in the same step, so the pending set never disagrees with the
-- stream: a request is recorded once; the device's decision is the last word on how it ended
-- (it replaces a chat's answer still recorded as on its way).
-- The stored stream is capped (bytes of chunk JSON, and events): the progress that would pass the
-- cap is not stored; a note chunk takes its seq instead and the subtask is marked truncated. Later
-- progress is dropped (its permission requests and decisions are still recorded, a bounded number,
-- so a task waiting for an answer is not stuck) and the completion is taken whatever its last_seq.
-- First of all the device's rate (rate.lua) takes the call's points, whatever becomes of the call:
-- past it nothing is applied ({'limited', ms until the window ends}). One round trip for both.
-- An applied chunk also says whether any other backend node is registered (nodeBeat-1.lua): read
-- in the same step that stores the chunk, so a node that registers later finds it stored when its
-- chats catch up, and one registered earlier is told by the adapter (realtime/peers.ts).
-- KEYS: subtask, events, slots, requests, decisions, rate, nodes (a key of this slot when node_id is '')
-- ARGV: device_id, seq, chunk_json, now_iso, subtask_id, event_count, max_bytes, max_events,
--       note_json, cost, points, node_id ('' = do not look), then a list (pairs.lua) of kind
--       ('request'|'decision'), request_id, record_json triples
-- → {'limited', ms} | {'notfound'} | {'final'} | {'dup'} | {'gap', last_seq} | {'dropped'}
--   | {'applied', started (0|1), alone (0|1)} | {'cut', started (0|1), alone (0|1)}
--- @include "pairs"
--- @include "subtask"
--- @include "rate"
local MAX_REQUESTS_AFTER_CUT = 1000
local sub, events, slots, requests, decisions = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local wait = rate_take(KEYS[6], tonumber(ARGV[10]), tonumber(ARGV[11]))
if wait then return {'limited', wait} end
local s = subtask_state(sub)
if not s or s.device_id ~= ARGV[1] then return {'notfound'} end
if FINAL[s.status] then return {'final'} end
local seq = tonumber(ARGV[2])
if seq <= s.last_seq then return {'dup'} end

local function record_approvals()
  local ops = take_list(13)
  for i = 1, #ops, 3 do
    if ops[i] == 'request' then
      if not s.truncated or redis.call('HLEN', requests) < MAX_REQUESTS_AFTER_CUT then redis.call('HSETNX', requests, ops[i + 1], ops[i + 2]) end
    else redis.call('HSET', decisions, ops[i + 1], ops[i + 2]) end
  end
end

if s.truncated then
  record_approvals()
  return {'dropped'}
end
if seq > s.last_seq + 1 then return {'gap', s.last_seq} end

-- A seq costs five calls (rate, state, chunk, record, registry): on a stream of one message in
-- flight Redis runs each script cold, where every call counts (docs/performance.md).
local outcome = 'applied'
local chunk, chunk_events = ARGV[3], tonumber(ARGV[6])
if s.stored_bytes + #chunk > tonumber(ARGV[7]) or s.stored_events + chunk_events > tonumber(ARGV[8]) then
  outcome = 'cut'
  chunk, chunk_events = ARGV[9], 1
end
redis.call('RPUSH', events, chunk)
record_approvals()
local started = 0
if s.status ~= 'running' and redis.call('SISMEMBER', slots, ARGV[5]) == 1 then started = 1 end
subtask_append(sub, seq, s.stored_bytes + #chunk, s.stored_events + chunk_events, started == 1 and ARGV[4] or nil, outcome == 'cut')
-- Alone when the registry's first two members are this node at most (ZRANGE by rank: one call).
local alone = 0
if ARGV[12] ~= '' then
  alone = 1
  for _, id in ipairs(redis.call('ZRANGE', KEYS[7], 0, 1)) do
    if id ~= ARGV[12] then alone = 0 end
  end
end
return {outcome, started, alone}
