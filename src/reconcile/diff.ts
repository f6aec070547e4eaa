import type { OwnedService } from './ownership.js';
import type { Registration } from '../model/registration.js';
import { OWNER_META } from '../model/registration.js';

export interface Changes {
  register: Registration[];
  deregister: OwnedService[];
}

/**
 * What to write so that Consul holds exactly `desired` (registrations stamped by withHash) where
 * it now holds `owned`: missing or changed services are (re)registered, owned ones no longer
 * desired are removed. Pure.
 */
export function diff(desired: Registration[], owned: OwnedService[]): Changes {
  const ownedById = new Map(owned.map((s) => [s.id, s]));
  const desiredIds = new Set(desired.map((r) => r.ID));
  return {
    register: desired.filter((r) => !upToDate(r, ownedById.get(r.ID))),
    deregister: owned.filter((s) => !desiredIds.has(s.id)),
  };
}

function upToDate(reg: Registration, current: OwnedService | undefined): boolean {
  return (
    current !== undefined &&
    current.hash === reg.Meta[OWNER_META.hash] &&
    current.name === reg.Name &&
    current.address === reg.Address &&
    current.port === reg.Port
  );
}
