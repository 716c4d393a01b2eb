// Every Redis key the backend uses, in one place. All live under the "wg:" prefix so a shared
// Redis (and the Socket.IO adapter's own keys) cannot collide with them.
const P = 'wg:';

export const keys = {
  // accounts
  user: (userId: string) => `${P}user:${userId}`,
  usernameIndex: (username: string) => `${P}username:${username}`,
  users: `${P}users`,
  token: (jti: string) => `${P}token:${jti}`,
  userTokens: (userId: string) => `${P}user:${userId}:tokens`,
  loginLimiterPrefix: `${P}rl:login`,

  // devices and presence
  device: (deviceId: string) => `${P}device:${deviceId}`,
  deviceOnline: (deviceId: string) => `${P}device:${deviceId}:online`,
  /** ZSET device id → ms (Redis clock) when its online key lapses. */
  presenceDeadlines: `${P}presence:deadlines`,
  userDevices: (userId: string) => `${P}user:${userId}:devices`,
  userDefaultDevice: (userId: string) => `${P}user:${userId}:default-device`,
  cloudDevices: `${P}cloud:devices`,
  allDevices: `${P}devices`,

  // slots: subtasks holding a slot (awaiting ack or running), and the FIFO queue behind them
  deviceSlots: (deviceId: string) => `${P}device:${deviceId}:slots`,
  deviceQueue: (deviceId: string) => `${P}device:${deviceId}:queue`,
  /** Devices whose queue may be non-empty (added on every enqueue, pruned when the total is counted). */
  queuedDevices: `${P}devices:queued`,

  // conversations
  task: (taskId: string) => `${P}task:${taskId}`,
  taskSubtasks: (taskId: string) => `${P}task:${taskId}:subtasks`,
  userTasks: (userId: string) => `${P}user:${userId}:tasks`,
  subtask: (subtaskId: string) => `${P}subtask:${subtaskId}`,
  subtaskEvents: (subtaskId: string) => `${P}subtask:${subtaskId}:events`,
  /** HASH request_id → the permission request as recorded (tool, when asked). */
  subtaskRequests: (subtaskId: string) => `${P}subtask:${subtaskId}:requests`,
  /** HASH request_id → how it was decided (PermissionRecord JSON), set by a chat's answer or the device. */
  subtaskDecisions: (subtaskId: string) => `${P}subtask:${subtaskId}:decisions`,

  /** Pub/sub channel for notices every backend node acts on (role changes made by wegent-admin). */
  noticeChannel: `${P}notices`,
} as const;
