export * from './telemetry-sample';
export * from './sample-validation';
export * from './sample-json';
export * from './sample-batch-codec';
export * from './sample-window';
export * from './telemetry-store';
export * from './shedding-queue';
export * from './telemetry-pipeline';
