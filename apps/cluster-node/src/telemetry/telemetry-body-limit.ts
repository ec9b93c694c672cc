import { RouteBodyLimit } from '../http/body-limits';
import { MAX_SAMPLES_PER_REQUEST } from './telemetry-request';

/** The route whose bodies may be as large as {@link TELEMETRY_BODY_LIMIT}. */
export const TELEMETRY_INGRESS_PATH = '/ingress/telemetry';

/**
 * The largest `POST /ingress/telemetry` body: 4 MiB. A full batch of MAX_SAMPLES_PER_REQUEST
 * samples with every field takes about 1.7 MB as compact JSON; the rest is room for indentation.
 * Every other route keeps the default 100 KB.
 */
export const TELEMETRY_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export const TELEMETRY_BODY_LIMIT: RouteBodyLimit = {
  path: TELEMETRY_INGRESS_PATH,
  limitBytes: TELEMETRY_BODY_LIMIT_BYTES,
  advice:
    `a telemetry request body may be at most ${TELEMETRY_BODY_LIMIT_BYTES} bytes (4 MiB): ` +
    `send the samples in several smaller batches of at most ${MAX_SAMPLES_PER_REQUEST} samples`,
};
