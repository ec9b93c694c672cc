/**
 * Runs the agent's checks while the agent is up: each HTTP check is called every interval (the
 * first call staggered at random within the interval, as Consul spreads them), and each TTL check
 * turns critical when nothing passes or updates it within its TTL. Durations are multiplied by the
 * time scale. Results go to the catalog, which decides whether they are a change.
 */
import { AgentCatalog } from './agent-catalog';
import { CheckStatus } from './consul-json';
import { runHttpProbe } from './http-probe';
import { CheckDefinition, HttpProbeDefinition, TtlProbeDefinition } from './registration';

interface RunningCheck {
  readonly definition: CheckDefinition;
  stop(): void;
}

interface RunningTtlCheck extends RunningCheck {
  /** Records an update from the API and restarts the TTL. */
  update(status: CheckStatus, output: string): void;
}

export type TtlUpdateOutcome = 'updated' | 'unknown-check' | 'not-a-ttl-check';

export class CheckRunner {
  private readonly running = new Map<string, RunningCheck | RunningTtlCheck>();
  private active = false;

  constructor(
    private readonly catalog: AgentCatalog,
    private readonly timeScale: number,
  ) {}

  start(): void {
    this.active = true;
    this.sync();
  }

  stop(): void {
    this.active = false;
    for (const check of this.running.values()) check.stop();
    this.running.clear();
  }

  /** Starts probes for new or changed checks and stops those of removed ones. */
  sync(): void {
    if (!this.active) return;
    const wanted = new Map(this.catalog.checks().map((check) => [check.definition.id, check]));
    for (const [id, running] of this.running) {
      // A re-registered check has a new definition object: restart it, as Consul does.
      if (wanted.get(id)?.definition !== running.definition) {
        running.stop();
        this.running.delete(id);
      }
    }
    for (const [id, check] of wanted) {
      if (this.running.has(id)) continue;
      const { definition } = check;
      this.running.set(
        id,
        definition.probe.kind === 'http'
          ? this.startHttpCheck(definition, definition.probe)
          : this.startTtlCheck(definition, definition.probe, check.output),
      );
    }
  }

  /** `PUT /v1/agent/check/{pass,warn,fail,update}/:id`. */
  updateTtlCheck(checkId: string, status: CheckStatus, output: string): TtlUpdateOutcome {
    const check = this.catalog.check(checkId);
    if (!check) return 'unknown-check';
    if (check.definition.probe.kind !== 'ttl') return 'not-a-ttl-check';
    const running = this.running.get(checkId);
    if (running && 'update' in running) {
      running.update(status, output);
    } else {
      // The agent is down: nothing times the TTL, but the state still follows.
      this.catalog.updateCheck(checkId, status, output);
    }
    return 'updated';
  }

  private scaled(milliseconds: number): number {
    return milliseconds * this.timeScale;
  }

  private startHttpCheck(definition: CheckDefinition, probe: HttpProbeDefinition): RunningCheck {
    const aborter = new AbortController();
    const scaledProbe: HttpProbeDefinition = { ...probe, timeoutMs: this.scaled(probe.timeoutMs) };
    let timer: NodeJS.Timeout | undefined;
    const schedule = (delayMs: number): void => {
      timer = setTimeout(() => void runOnce(), delayMs);
      timer.unref();
    };
    const runOnce = async (): Promise<void> => {
      const result = await runHttpProbe(scaledProbe, aborter.signal);
      if (aborter.signal.aborted) return;
      this.catalog.updateCheck(definition.id, result.status, result.output);
      schedule(this.scaled(probe.intervalMs));
    };
    schedule(Math.random() * this.scaled(probe.intervalMs));
    return {
      definition,
      stop: () => {
        aborter.abort();
        clearTimeout(timer);
      },
    };
  }

  private startTtlCheck(
    definition: CheckDefinition,
    probe: TtlProbeDefinition,
    initialOutput: string,
  ): RunningTtlCheck {
    let lastOutput = initialOutput;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const output =
          lastOutput === ''
            ? 'TTL expired'
            : `TTL expired (last output before timeout follows): ${lastOutput}`;
        this.catalog.updateCheck(definition.id, 'critical', output);
      }, this.scaled(probe.ttlMs));
      timer.unref();
    };
    arm();
    return {
      definition,
      stop: () => clearTimeout(timer),
      update: (status, output) => {
        lastOutput = output;
        this.catalog.updateCheck(definition.id, status, output);
        arm();
      },
    };
  }
}
