export * from './telemetry-sample';
