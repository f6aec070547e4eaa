// A Swarm task's identity, from the labels the engine puts on every task container. Pure.
// A task is named after its Swarm service: `<service>.<slot>.<task id>` for a replicated service,
// `<service>.<node id>.<task id>` for a global one; the container's name is the same, so the default
// service ID (`<host-id>:<container>:<port>`) already holds the task ID and is unique per task.
import type { ContainerFacts, NetworkFact } from './facts.js';
import type { Finding } from './findings.js';
import { finding } from './finding-codes.js';
import { dnsSafeName } from './names.js';
import { shown } from './show.js';

export const SWARM_LABELS = {
  service: 'com.docker.swarm.service.name',
  task: 'com.docker.swarm.task.id',
  taskName: 'com.docker.swarm.task.name',
  node: 'com.docker.swarm.node.id',
} as const;

/** Service Meta a task's registrations carry, unless SERVICE_* labels give the same keys. */
export const SWARM_META = {
  service: 'swarm_service',
  task: 'swarm_task',
  slot: 'swarm_slot',
  node: 'swarm_node',
} as const;

export interface SwarmTask {
  /** The Swarm service's name as the engine has it (`stack_web` for service web of stack "stack"). */
  service: string;
  /** Its DNS-safe form, the default service name: each run of characters but letters, digits and - becomes one - (`stack-web`). */
  name: string;
  taskId: string;
  taskName: string;
  /** The replica's slot (replicated mode); '' for a global service's task, whose name holds its node instead. */
  slot: string;
  nodeId: string;
}

// Docker's IDs are 25 lower-case letters and digits; a label value beyond this is no engine's.
const ID = /^[a-z0-9]{1,64}$/;
// Swarm refuses service names longer than 63 characters: a longer label is no engine's (and no Meta value).
const MAX_SERVICE = 63;

/** The task identity of a container, or undefined when it is no Swarm task (or its labels are not the engine's). */
export function swarmTask(labels: Record<string, string>): SwarmTask | undefined {
  const service = labels[SWARM_LABELS.service]?.trim() ?? '';
  const taskId = labels[SWARM_LABELS.task]?.trim() ?? '';
  const nodeId = labels[SWARM_LABELS.node]?.trim() ?? '';
  const taskName = labels[SWARM_LABELS.taskName]?.trim() ?? '';
  if (service === '' || service.length > MAX_SERVICE || !ID.test(taskId) || !ID.test(nodeId)) return undefined;
  const name = dnsSafeName(service);
  if (name === '') return undefined;
  return { service, name, taskId, taskName, slot: slotOf(taskName, service, taskId), nodeId };
}

/** The slot in `<service>.<slot>.<task id>`; '' when the middle part is no number (a global service's node ID). */
function slotOf(taskName: string, service: string, taskId: string): string {
  const prefix = `${service}.`;
  const suffix = `.${taskId}`;
  if (!taskName.startsWith(prefix) || !taskName.endsWith(suffix)) return '';
  const middle = taskName.slice(prefix.length, taskName.length - suffix.length);
  return /^[1-9]\d{0,8}$/.test(middle) ? middle : '';
}

/** The Meta of a task's services. */
export function swarmMeta(task: SwarmTask): Record<string, string> {
  return {
    [SWARM_META.service]: task.service,
    [SWARM_META.task]: task.taskId,
    ...(task.slot ? { [SWARM_META.slot]: task.slot } : {}),
    [SWARM_META.node]: task.nodeId,
  };
}

/** The engine's routing-mesh network: its addresses serve only the published ports' load balancer. */
export const INGRESS_NETWORK = 'ingress';

/**
 * The task's networks a registration may use: never the ingress network; an overlay network (VXLAN,
 * reachable only from containers on it) only with --swarm-overlay. A task left with none that has an
 * address, or whose SERVICE_NETWORK names an overlay, is skipped with one finding.
 */
export function swarmNetworks(
  facts: ContainerFacts,
  serviceNetwork: string | undefined,
  overlays: boolean,
): { networks: NetworkFact[] } | { skip: Finding } {
  const notIngress = facts.networks.filter((n) => n.name !== INGRESS_NETWORK);
  const networks = notIngress.filter((n) => overlays || n.driver !== 'overlay');
  const left = notIngress.filter((n) => !networks.includes(n) && (n.ipv4 !== '' || n.ipv6 !== '')).map((n) => n.name);
  const asked = serviceNetwork?.trim();
  const askedOverlay = asked !== undefined && left.includes(asked);
  const addressed = networks.some((n) => n.ipv4 !== '' || n.ipv6 !== '');
  if (left.length === 0 || (addressed && !askedOverlay)) return { networks };
  const where = askedOverlay
    ? `SERVICE_NETWORK ${shown(asked)} is an overlay network`
    : `its only networks are overlays (${left.join(', ')})`;
  const text = `${where}, whose addresses only that overlay reaches; it is not registered without --swarm-overlay`;
  return { skip: finding('swarm-overlay-skipped', text, askedOverlay ? { label: 'SERVICE_NETWORK' } : {}) };
}
