/**
 * `npm run uav:sim -- --count 50`: simulated UAVs talking to the cluster over MQTT (see --help and
 * docs/uav-link.md).
 */
import { SimulatedUav, SimulatedUavStats } from './uav-sim/simulated-uav';
import { parseSimOptions, SIM_USAGE } from './uav-sim/sim-options';

const PROGRESS_EVERY_MS = 5_000;

function total(stats: readonly SimulatedUavStats[]): Record<string, number> {
  const sum = (read: (s: SimulatedUavStats) => number): number =>
    stats.reduce((acc, s) => acc + read(s), 0);
  return {
    executed: sum((s) => s.executed.length),
    duplicates_dropped: sum((s) => s.duplicatesDropped),
    stale_term_ignored: sum((s) => s.staleTermIgnored),
    bad_commands: sum((s) => s.badCommands),
    missions_succeeded: sum((s) => s.missionsSucceeded),
    status_reports: sum((s) => s.statusReports),
    telemetry_sent: sum((s) => s.telemetrySent),
  };
}

function line(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}

async function main(): Promise<void> {
  let options;
  try {
    options = parseSimOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`uav-sim: ${(error as Error).message}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(SIM_USAGE);
    return;
  }
  const uavs = Array.from(
    { length: options.count },
    (_, i) =>
      new SimulatedUav({
        uavId: `${options.prefix}${i + 1}`,
        nodeUrl: options.nodeUrl,
        mqttUrl: options.mqttUrl,
        topicRoot: options.topicRoot,
        telemetryHz: options.rate,
        log: options.verbose ? (text) => console.log(text) : undefined,
      }),
  );
  console.log(
    `uav-sim: starting ${uavs.length} UAVs (node ${options.nodeUrl}, broker ${options.mqttUrl})`,
  );
  await Promise.all(uavs.map((uav) => uav.start()));
  console.log(`uav-sim: ${uavs.length} UAVs registered and connected`);
  const started = Date.now();
  const progress = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`uav-sim: ${seconds}s ${line(total(uavs.map((u) => u.stats())))}`);
  }, PROGRESS_EVERY_MS);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(progress);
    await Promise.all(uavs.map((uav) => uav.stop()));
    console.log(`uav-sim: summary ${line(total(uavs.map((u) => u.stats())))}`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (options.durationS !== undefined) setTimeout(() => void stop(), options.durationS * 1000);
}

void main().catch((error: unknown) => {
  console.error(`uav-sim: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
