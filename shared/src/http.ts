// Request/response shapes of the HTTP API (PROTOCOL.md "Authentication", "HTTP: devices and tasks").
import { z } from 'zod';
import { LIMITS } from './timing';
import type { ChatChunk, CompleteStatus, DeviceView, SubtaskStatus } from './protocol';

export const Username = z.string().regex(/^[a-z0-9_-]{3,32}$/, 'must be 3–32 characters of a–z 0–9 _ -');
export const Password = z.string().min(8, 'must be at least 8 characters').max(1024);

export const Credentials = z.object({ username: Username, password: Password });
export type Credentials = z.infer<typeof Credentials>;
/** Login does not reveal the password policy; it only needs two non-empty strings. */
export const LoginRequest = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });

export const TokenCreate = z.object({ name: z.string().trim().max(LIMITS.tokenNameChars).optional() });

export type Role = 'user' | 'operator';

export interface UserView {
  id: string;
  username: string;
  role: Role;
  created_at: string;
}
export interface LoginResponse {
  token: string;
  expires_at: string;
  user: UserView;
}
export interface TokenCreated {
  token: string;
  id: string;
  name: string;
  expires_at: string;
}
export interface TokenInfo {
  id: string;
  name: string;
  created_at: string;
  expires_at: string;
  kind?: 'login' | 'api';
}
export interface DeviceList {
  devices: DeviceView[];
}
export interface TaskSummary {
  task_id: string;
  title: string;
  device_id: string;
  status: SubtaskStatus;
  session_id: string | null;
  created_at: string;
  updated_at: string;
}
export interface SubtaskView {
  subtask_id: string;
  task_id: string;
  device_id: string;
  prompt: string;
  status: SubtaskStatus;
  result: string | null;
  error: { code: string; message: string } | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  last_seq: number;
  events: ChatChunk[];
}
export interface TaskDetail extends TaskSummary {
  subtasks: SubtaskView[];
}
export type { CompleteStatus };
