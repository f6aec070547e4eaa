// What the reconciler is given, declared on its side (docker/, checks/ and sidecar-proxies.ts implement them).
import type { ContainerFacts } from '../model/facts.js';
import type { CheckJob, ProxySpec } from '../model/registration.js';

/** Where the reconciler reads Docker's truth from (docker/ in production). */
export interface ContainerSource {
  inspect(id: string): Promise<ContainerFacts | undefined>;
  runningIds(): Promise<string[]>;
}

/** The registrar's own checks (checks/), told which jobs each container's services now have. */
export interface CheckJobs {
  sync(containerId: string, jobs: CheckJob[]): void;
}

/** The Connect proxy keeper (reconcile/sidecar-proxies.ts), told which proxies each app should have now. */
export interface ProxyKeeper {
  sync(appId: string, proxies: ProxySpec[]): Promise<void>;
}
