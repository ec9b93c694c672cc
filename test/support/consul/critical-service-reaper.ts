/**
 * Consul's reaper: every 30 s (`check_reap_interval`) the agent deregisters each service that has a
 * check with `DeregisterCriticalServiceAfter` critical for longer than that. The period is multiplied
 * by the time scale, and so is the timeout; a service is thus reaped between the timeout and the
 * timeout plus one period after its check turned critical, as with a real agent.
 */
import { AgentCatalog } from './agent-catalog';

export const REAP_INTERVAL_MS = 30_000;

export class CriticalServiceReaper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly catalog: AgentCatalog,
    private readonly timeScale: number,
    private readonly now: () => number,
  ) {}

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.reapOnce(), REAP_INTERVAL_MS * this.timeScale);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Deregisters the services due now. */
  reapOnce(): void {
    const now = this.now();
    const due = new Set<string>();
    for (const check of this.catalog.checks()) {
      const timeoutMs = check.definition.deregisterCriticalAfterMs * this.timeScale;
      if (timeoutMs <= 0 || check.criticalSinceMs === undefined) continue;
      if (now - check.criticalSinceMs > timeoutMs) due.add(check.definition.serviceId);
    }
    for (const serviceId of due) this.catalog.deregister(serviceId);
  }
}
