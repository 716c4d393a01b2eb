-- Deletes a conversation's own records and takes it off its owner's list in one step, unless a
-- turn was added or a follow-up held since the caller read it: a chat:send racing the delete
-- either lands first (the delete answers TASK_BUSY) or finds no conversation (TASK_NOT_FOUND).
-- KEYS: task, task_subtasks, task_held, user_tasks
-- ARGV: task_id, the number of turns the caller read
-- → 1 deleted, 0 changed meanwhile (nothing deleted)
if redis.call('LLEN', KEYS[2]) ~= tonumber(ARGV[2]) or redis.call('LLEN', KEYS[3]) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
