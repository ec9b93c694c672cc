import { DiscoveryHealth } from './discovery';
import { DiscoveryLogger } from './discovery-logger';

/**
 * The registration's health as `health()` reports it. Logs when the state changes, not on every
 * retry that leaves it unchanged, so an outage is two log lines whatever its length.
 */
export class HealthState {
  private current: DiscoveryHealth;
  /** The initial state is not logged, so the first degradation must be even though the state stays. */
  private changedSinceStart = false;

  constructor(
    private readonly logger: DiscoveryLogger,
    private readonly fields: Record<string, unknown>,
    initial: Omit<DiscoveryHealth, 'sinceMs'>,
  ) {
    this.current = { ...initial, sinceMs: Date.now() };
  }

  snapshot(): DiscoveryHealth {
    return this.current;
  }

  get isUp(): boolean {
    return this.current.state === 'up';
  }

  /** Registered and kept alive. */
  up(detail: string): void {
    if (this.current.state === 'up') {
      this.current = { ...this.current, detail };
      return;
    }
    this.current = { state: 'up', detail, sinceMs: Date.now() };
    this.changedSinceStart = true;
    this.logger.info('discovery registration up', { ...this.fields, detail });
  }

  /** Not registered, or not kept alive; `detail` says why (the first cause is the one logged). */
  degraded(detail: string): void {
    if (this.current.state === 'degraded' && this.changedSinceStart) {
      this.current = { ...this.current, detail };
      return;
    }
    const sinceMs = this.current.state === 'degraded' ? this.current.sinceMs : Date.now();
    this.current = { state: 'degraded', detail, sinceMs };
    this.changedSinceStart = true;
    this.logger.warn('discovery registration degraded', { ...this.fields, detail });
  }

  /** After `stop()`: not registered any more, on purpose (logged as information, not a warning). */
  stopped(): void {
    this.current = { state: 'degraded', detail: 'stopped', sinceMs: Date.now() };
    this.changedSinceStart = true;
    this.logger.info('discovery stopped', this.fields);
  }
}
