// Who a script check runs as under nsenter: the credentials the kernel holds for the container's
// main process. Files inside the container (/etc/passwd, /etc/group) are the container's to rewrite
// after it starts, so they would let it name a group it does not have (gid 0, say).
import { readFileSync } from 'node:fs';

export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary groups, as the kernel lists them (without duplicates). */
  groups: number[];
}

export type IdentityAnswer = Identity | { problem: string };

// runc's limit. Larger numbers must never reach nsenter: it cuts them to 32 bits, and 2^32 is root.
const MAX_ID = 2 ** 31 - 1;
// The kernel's own limit on supplementary groups (NGROUPS_MAX).
const MAX_GROUPS = 65_536;

/**
 * The check's identity from /proc/PID/status: the Uid and Gid lines (real, effective, saved, fs)
 * and Groups. All four ids of each must agree: the check gets the one id the process acts as and
 * would fall back to. When they differ (a set-user-ID program as PID 1, or a process between
 * changes), taking either could give the check more than the container holds, so nothing is taken.
 */
export function identityFromStatus(status: string): IdentityAnswer {
  const uid = sameIds(field(status, 'Uid'));
  const gid = sameIds(field(status, 'Gid'));
  if (uid === undefined || gid === undefined)
    return { problem: "its main process's real, effective and saved ids differ (or cannot be read)" };
  const listed = field(status, 'Groups') ?? '';
  const words = listed.split(/\s+/).filter(Boolean);
  const groups = words.map(id);
  if (words.length > MAX_GROUPS || groups.some((g) => g === undefined))
    return { problem: "its main process's supplementary groups cannot be read" };
  return { uid, gid, groups: [...new Set(groups as number[])] };
}

/** The identity of process PID as the kernel holds it now; a problem when it cannot be read. */
export function processIdentity(pid: number): IdentityAnswer {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { problem: "cannot read the credentials of the container's main process" };
  }
  return identityFromStatus(status);
}

function field(status: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1];
}

/** The id when the four columns are one number; undefined otherwise. */
function sameIds(columns: string | undefined): number | undefined {
  const ids = (columns ?? '').split(/\s+/).filter(Boolean).map(id);
  if (ids.length !== 4 || ids.some((i) => i === undefined || i !== ids[0])) return undefined;
  return ids[0];
}

/** A decimal id within runc's range; undefined otherwise. */
function id(word: string): number | undefined {
  if (!/^\d{1,10}$/.test(word)) return undefined;
  const n = Number(word);
  return n <= MAX_ID ? n : undefined;
}
