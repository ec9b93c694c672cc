/** Test-only helpers for code that uses `@falconmind/discovery`; never imported by production code. */
export { abandonRegistration } from './abandon';
export { announcement, STARTING } from './announcements';
export { RecordingLogger } from './recording-logger';
export type { LoggedLine } from './recording-logger';
export { waitUntil } from './wait-until';
