// The id alphabet every id on the wire is held to (docs/protocol.md "Conventions").
import { z } from 'zod';

const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const DeviceId = z.string().regex(ID_PATTERN, 'must be 1–128 characters of A–Z a–z 0–9 . _ : -');
/** Task and subtask ids are opaque, but we hold them to the same safe alphabet. */
export const OpaqueId = z.string().regex(ID_PATTERN, 'must be 1–128 characters of A–Z a–z 0–9 . _ : -');
