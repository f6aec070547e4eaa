// Every timing the registrar chooses for itself, in one place, each with why it is what it is.
// Settings an operator can change (--resync, --agent-poll, --ttl) are in config.ts instead.

export const TIMINGS = {
  /** Connecting at start: first retry soon (a daemon starting with us), then no faster than this. */
  connectRetryMinMs: 500,
  /** …and at most this long between tries, so a daemon that returns is noticed within seconds. */
  connectRetryMaxMs: 15_000,
  /** /healthz waits this long for Docker's ping: an answer within the HEALTHCHECK's 5 s timeout. */
  healthDockerPingMs: 2_000,
  /** /healthz calls the last full pass stale after this many --resync periods (one may fail, or run long). */
  healthStalePasses: 3,
  /** Consul writes are retried this often on network errors and 5xx before the next pass takes over. */
  writeRetries: 3,
  writeRetryMinMs: 50,
  writeRetryMaxMs: 500,
  /** Docker event stream: first reconnect after 250 ms, doubling to 30 s while dockerd stays away. */
  eventReconnectFirstMs: 250,
  eventReconnectMaxMs: 30_000,
  /** …starting over only after a stream stayed up this long (one that drops at once is a failing daemon). */
  eventStreamStableMs: 10_000,
  /** The event stream's audit (--events-audit) asks Docker's log for events up to this long ago: the newest may still be on their way, */
  eventAuditLagMs: 2_000,
  /** …and a query that takes longer than this gives no verdict (a hung dockerd is /healthz's to report). */
  eventAuditDeadlineMs: 5_000,
  /** Script checks: Consul's own floor for check intervals, and a day as the ceiling. */
  checkIntervalMinMs: 1_000,
  checkIntervalMaxMs: 86_400_000,
  /**
   * Docker execs a second for the whole host (--docker-exec-rate's default): dockerd saturates at
   * 31–40 a second here (docs/security.md), and engine calls of the registrar's own (inspects,
   * registrations) and of the operator's must still be answered; 20 leaves dockerd half its reserve.
   */
  dockerExecsPerSecond: 20,
  /**
   * A script check holds its place (--script-concurrency) this long at most, then runs on without
   * it: the tightest TTL the registrar writes (1 s interval: 2 × 1 s + 1 s timeout) lets a run start
   * up to 2 s late, so a waiting check gets a place within half of that whatever the others run.
   */
  checkSlotLeaseMs: 1_000,
  /** Place time a container has held counts for whose turn is next with this half-life: several check rounds. */
  checkSlotUsageHalfLifeMs: 30_000,
  /** A script check without SERVICE_CHECK_TIMEOUT: Consul's default check timeout, at most the interval. */
  scriptTimeoutMs: 10_000,
  /**
   * A network connect event's own sync waits this long: Docker sends one before every start, whose
   * sync makes it unneeded, and the start event can follow it by more than 100 ms under load (seen
   * here: the connect's sync then registered first, with two extra requests). Only a `docker network
   * connect` to a running container waits this long for its new address.
   */
  networkEventSettleMs: 1_000,
  /** The host's interface addresses (never a SERVICE_IP) are re-read at most this often: DHCP and new networks change them. */
  hostAddressesMs: 5_000,
  /** A full pass waits this long for one container: three request deadlines, then it goes on without it. */
  passContainerDeadlineMs: 30_000,
  /** At stop, Docker gets this long to name the PIDs of running exec checks to kill (well inside the stop deadline). */
  stopKillChecksMs: 1_000,
  /** A Connect proxy that ran shorter than this before it ended is failing, not killed: its next start waits, */
  proxyStableMs: 10_000,
  /** …first this long, doubling with each quick failure up to the maximum (Docker's own restart policy doubles from 100 ms). */
  proxyRestartFirstMs: 1_000,
  proxyRestartMaxMs: 60_000,
  /** A mirrored HEALTHCHECK's engine read may take this long; with the interval it makes the check's TTL (check-ttl.ts). */
  healthMirrorTimeoutMs: 10_000,
  /** A mirrored HEALTHCHECK's probe is overdue once none came within its interval plus this slack (one may be running now). */
  healthProbeSlackMs: 1_000,
  /** A check run is counted late (registrar_check_late_total) once it starts this long after its time, or a tenth of its interval. */
  checkLateMinMs: 1_000,
  /** A Docker exec's stream can end a moment before Docker records the exit code: ask every 25 ms, about half a second in all. */
  execExitPollMs: 25,
  execExitPolls: 21,
  /** After a check's timeout, whether its processes are gone is asked at most this often (sooner for shorter intervals). */
  checkGonePollMaxMs: 1_000,
  /** A process group just sent SIGKILL is looked at again first after this long (a killed process takes a moment to die). */
  groupKillFirstWaitMs: 10,
  /** The status server gives a client this long for its headers and its request: probes and scrapers are quick. */
  statusRequestTimeoutMs: 5_000,
  /** The image's `healthcheck` command waits this long for /healthz: within the images' 5 s probe timeout. */
  healthcheckProbeMs: 3_000,
  /** Docker's clock may be a little off ours: the event audit's first window starts this long after the subscription. */
  eventAuditSkewMs: 1_000,
  /** Graceful stop: exit even if something hangs, inside `docker stop`'s 10 s and the tests' 5 s bound. */
  stopDeadlineMs: 4_500,
} as const;
