// Who a script check runs as under nsenter: the container's configured user (Config.User), read
// the way Docker reads it, from the container's own /etc/passwd and /etc/group.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync } from 'node:fs';

export interface Identity {
  uid: number;
  gid: number;
}

export type IdentityAnswer = Identity | { problem: string };

const NUMBER = /^\d{1,10}$/;
const MAX_FILE = 1 << 20;

/**
 * The uid and gid for a Config.User value ('', name, uid, name:group, uid:gid), as Docker resolves
 * it: a name must be in the container's passwd (group), a numeric uid without an entry gets gid 0.
 * `root` is the container's root folder as seen from here (/proc/PID/root).
 */
export function resolveIdentity(user: string, root: string): IdentityAnswer {
  const [userPart = '', groupPart] = user.split(':', 2);
  const numeric = NUMBER.test(userPart) && groupPart !== undefined && NUMBER.test(groupPart);
  const passwd = userPart === '' || numeric ? [] : readEntries(root, 'passwd');
  let uid: number | undefined;
  let gid: number | undefined;
  if (userPart === '') {
    uid = 0;
    gid = 0;
  } else if (NUMBER.test(userPart)) {
    uid = id(userPart);
    const entry = passwd.find((e) => id(e[2]) === uid);
    gid = entry ? id(entry[3]) : 0;
  } else {
    const entry = passwd.find((e) => e[0] === userPart);
    if (!entry) return { problem: `user "${userPart}" is not in the container's /etc/passwd` };
    uid = id(entry[2]);
    gid = id(entry[3]);
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (NUMBER.test(groupPart)) gid = id(groupPart);
    else {
      const group = readEntries(root, 'group').find((e) => e[0] === groupPart);
      if (!group) return { problem: `group "${groupPart}" is not in the container's /etc/group` };
      gid = id(group[2]);
    }
  }
  if (uid === undefined || gid === undefined)
    return { problem: `the user ${JSON.stringify(user)} does not resolve to a uid and gid from 0 to ${MAX_ID}` };
  return { uid, gid };
}

// runc's limit. Larger numbers must never reach nsenter: it cuts them to 32 bits, and 2^32 is root.
const MAX_ID = 2 ** 31 - 1;

/** A uid or gid field: decimal digits only, within runc's range; undefined otherwise. */
function id(field: string | undefined): number | undefined {
  if (field === undefined || !/^\d{1,10}$/.test(field)) return undefined;
  const n = Number(field);
  return n <= MAX_ID ? n : undefined;
}

/**
 * The colon-separated lines of the container's /etc/FILE. The container owns those files: a
 * symbolic link there would be followed from the registrar's root, not the container's, so links
 * are refused (O_NOFOLLOW on the file, lstat on /etc) and only a regular file is read.
 */
function readEntries(root: string, file: 'passwd' | 'group'): string[][] {
  let fd: number | undefined;
  try {
    if (!lstatSync(`${root}/etc`).isDirectory()) return [];
    fd = openSync(`${root}/etc/${file}`, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile()) return [];
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_FILE));
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer
      .subarray(0, length)
      .toString('utf8')
      .split('\n')
      .map((line) => line.split(':'));
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
