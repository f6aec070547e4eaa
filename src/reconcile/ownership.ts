// Which services are this registrar's: the Meta keys it stamps on every registration, and the rule
// that a service without them (or with another host ID's) is never overwritten and never removed.
import { OWNER_META } from '../model/registration.js';

export { OWNER_META };

/** Who holds a service ID that the agent already has, as seen by the registrar of `hostId`. */
export type Holder =
  | { kind: 'this-container' }
  | { kind: 'our-container'; containerId: string }
  | { kind: 'foreign' };

export function holderOf(meta: Record<string, string>, hostId: string, containerId: string): Holder {
  if (meta[OWNER_META.host] !== hostId) return { kind: 'foreign' };
  const holder = meta[OWNER_META.container] ?? '';
  return holder === containerId ? { kind: 'this-container' } : { kind: 'our-container', containerId: holder };
}
