// The account and rate limits a bench backend runs with: far above any load the bench makes, so a
// figure measures the path, not a limit refusing it. One definition for every bench entry point.
export const BENCH_LIMITS = {
  WEGENT_MAX_DEVICES_PER_USER: '1000000', WEGENT_MAX_SOCKETS_PER_USER: '1000000', WEGENT_MAX_TASKS_PER_USER: '100000000',
  WEGENT_PROGRESS_POINTS_PER_SECOND: '100000000',
  // A stream suite's subtask outlives the stored-output caps (20,000 events) within seconds.
  WEGENT_MAX_SUBTASK_EVENTS: '1000000000', WEGENT_MAX_SUBTASK_EVENT_BYTES: '100000000000',
};
