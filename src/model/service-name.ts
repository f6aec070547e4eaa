import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { defaultServiceName, dnsSafeName } from './names.js';
import { shown } from './show.js';

export interface NameRequest {
  port: number;
  /** SERVICE_<port>_NAME, else SERVICE_NAME: the name the port's settings give. */
  given?: string | undefined;
  /** Whether that name is the port's own (SERVICE_<port>_NAME), not shared by its other ports. */
  ownName: boolean;
  /** The container has several ports (counted before --max-services, so lowering it renames nothing). */
  several: boolean;
  image: string;
  labels: Record<string, string>;
  containerName: string;
}

/**
 * A port's service name, as Registrator chooses it: the given name, else the image's; a name shared
 * by several ports gets `-<port>` appended, a port's own name does not. Made DNS-safe, with a finding
 * when that changes it; undefined (with a finding) when nothing of it is left.
 */
export function serviceName(r: NameRequest, findings: Finding[]): string | undefined {
  const given = r.given?.trim();
  const rawName = `${given || defaultServiceName(r.image, r.labels, r.containerName)}${r.several && !r.ownName ? `-${r.port}` : ''}`;
  const name = dnsSafeName(rawName);
  const at = { port: r.port, label: 'SERVICE_NAME' };
  if (name === '') {
    findings.push(finding('service-name-empty', `service name ${shown(rawName)} has nothing Consul DNS can serve`, at));
    return undefined;
  }
  if (name !== rawName)
    findings.push(finding('service-name-rewritten', `service name ${shown(rawName)} is not DNS-safe; registered as "${name}"`, at));
  return name;
}
