/** The command line of `npm run uav:sim`. */
export interface SimOptions {
  readonly count: number;
  readonly nodeUrl: string;
  readonly mqttUrl: string;
  readonly topicRoot: string;
  /** Telemetry samples per second per UAV. */
  readonly rate: number;
  readonly prefix: string;
  /** Seconds to run; undefined: until Ctrl-C. */
  readonly durationS: number | undefined;
  readonly verbose: boolean;
  readonly help: boolean;
}

export const SIM_USAGE = `Usage: npm run uav:sim -- [OPTION...]

Simulated UAVs for the FalconMind cluster (docs/uav-link.md). Each one registers
over HTTP, streams telemetry over MQTT, takes its commands through the fence
(drops repeats, ignores deposed leaders), acknowledges them, and flies a
dispatched mission reporting progress up to SUCCEEDED. Dispatch missions to them
through the API (POST /missions, POST /missions/:id/dispatch).

  --count N          UAVs to simulate (default 1)
  --node URL         a cluster node's HTTP API, for registration
                     (default http://127.0.0.1:8888)
  --mqtt URL         the broker (default mqtt://127.0.0.1:1883)
  --topic-root ROOT  the topics' root, as the nodes' MQTT_TOPIC_ROOT (default uav)
  --rate HZ          telemetry samples per second per UAV (default 1; 0: none)
  --prefix TEXT      UAV ids are <prefix><n> (default sim-uav-)
  --duration S       stop after S seconds (default: run until Ctrl-C)
  --verbose          a line for every command and finished mission
  -h, --help         print this help

Prints a progress line every 5 s and a summary at the end: commands executed,
duplicates dropped, stale-term commands ignored, missions succeeded.`;

/** Reads the arguments; throws an Error naming the bad option. */
export function parseSimOptions(args: readonly string[]): SimOptions {
  const options = {
    count: 1,
    nodeUrl: 'http://127.0.0.1:8888',
    mqttUrl: 'mqtt://127.0.0.1:1883',
    topicRoot: 'uav',
    rate: 1,
    prefix: 'sim-uav-',
    durationS: undefined as number | undefined,
    verbose: false,
    help: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = (): string => {
      const next = args[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    const number = (min: number, max: number): number => {
      const text = value();
      const parsed = Number(text);
      if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
        throw new Error(`${arg} must be a number in ${min}..${max}, not ${JSON.stringify(text)}`);
      }
      return parsed;
    };
    switch (arg) {
      case '--count':
        options.count = Math.floor(number(1, 10_000));
        break;
      case '--node':
        options.nodeUrl = value().replace(/\/+$/, '');
        break;
      case '--mqtt':
        options.mqttUrl = value();
        break;
      case '--topic-root':
        options.topicRoot = value();
        break;
      case '--rate':
        options.rate = number(0, 1000);
        break;
      case '--prefix':
        options.prefix = value();
        break;
      case '--duration':
        options.durationS = number(1, 86_400);
        break;
      case '--verbose':
        options.verbose = true;
        break;
      case '-h':
      case '--help':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  return options;
}
