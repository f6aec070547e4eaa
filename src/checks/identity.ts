// Who a script check runs as under nsenter: the credentials the kernel holds for the container's
// main process. Files inside the container (/etc/passwd, /etc/group) are the container's to rewrite
// after it starts, so they would let it name a group it does not have (gid 0, say).
import { readFileSync } from 'node:fs';

/**
 * No supplementary groups: nsenter --setgid clears them, and giving them would take one more exec
 * per check (setpriv --groups before nsenter; measured 8.0 against 6.3 ms of CPU per check), the
 * executor's whole point being its cost. A check gets fewer rights than the container, never more.
 */
export interface Identity {
  uid: number;
  gid: number;
}

export type IdentityAnswer = Identity | { problem: string };

// runc's limit. Larger numbers must never reach nsenter: it cuts them to 32 bits, and 2^32 is root.
const MAX_ID = 2 ** 31 - 1;

/**
 * The check's identity from /proc/PID/status: the Uid and Gid lines (real, effective, saved, fs).
 * All four ids of each must agree: the check gets the one id the process acts as and
 * would fall back to. When they differ (a set-user-ID program as PID 1, or a process between
 * changes), taking either could give the check more than the container holds, so nothing is taken.
 */
export function identityFromStatus(status: string): IdentityAnswer {
  const uid = sameIds(field(status, 'Uid'));
  const gid = sameIds(field(status, 'Gid'));
  if (uid === undefined || gid === undefined)
    return { problem: "its main process's real, effective and saved ids differ (or cannot be read)" };
  return { uid, gid };
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
