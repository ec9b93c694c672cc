import { WorkloadId } from '../cli-options';
import { catchUp } from './catch-up';
import { concurrentWrites } from './concurrent-writes';
import { eventFanout } from './event-fanout';
import { failover } from './failover';
import { linearizableReads } from './linearizable-reads';
import { sequentialWrites } from './sequential-writes';
import { snapshotWrites } from './snapshot-writes';
import { staleReads } from './stale-reads';
import { telemetryIngest } from './telemetry-ingest';
import { telemetryMqtt } from './telemetry-mqtt';
import { Workload } from './workload-context';

/** Every workload by id; the run order is that of WORKLOAD_IDS. */
export const WORKLOADS: Record<WorkloadId, Workload> = {
  'sequential-writes': sequentialWrites,
  'concurrent-writes': concurrentWrites,
  'linearizable-reads': linearizableReads,
  'stale-reads': staleReads,
  failover,
  'catch-up': catchUp,
  snapshot: snapshotWrites,
  'telemetry-ingest': telemetryIngest,
  'telemetry-mqtt': telemetryMqtt,
  'event-fanout': eventFanout,
};
