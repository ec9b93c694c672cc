import { ReportProblem } from './validators';

/** The UAV link's broker, when `MQTT_URL` is set (docs/uav-link.md). */
export interface MqttConfig {
  /**
   * From `MQTT_URL`: `mqtt://`, `mqtts://`, `ws://` or `wss://` with a host (a port, and a user and
   * password, may be given in the URL). Unset: the node has no UAV link.
   */
  readonly url: string;
  /**
   * From `MQTT_TOPIC_ROOT`: the first levels of every UAV topic (`<root>/{id}/telemetry`, …).
   * Levels of `[A-Za-z0-9._-]` separated by `/`; default `uav`, as the UAVs use. Another root lets
   * several clusters or test runs share one broker without hearing each other.
   */
  readonly topicRoot: string;
}

const MQTT_PROTOCOLS = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];
const TOPIC_ROOT = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
export const DEFAULT_MQTT_TOPIC_ROOT = 'uav';

/** Masks the password of a URL so that it never reaches a log. */
function maskPassword(url: string): string {
  return url.replace(/^([^:/]*:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** `MQTT_URL` and `MQTT_TOPIC_ROOT`; undefined without `MQTT_URL` (or when it is bad: reported). */
export function parseMqttConfig(
  text: (name: string) => string | undefined,
  report: ReportProblem,
): MqttConfig | undefined {
  const url = text('MQTT_URL');
  const rawRoot = text('MQTT_TOPIC_ROOT');
  const topicRoot = rawRoot ?? DEFAULT_MQTT_TOPIC_ROOT;
  let ok = true;
  if (!TOPIC_ROOT.test(topicRoot)) {
    report(
      'MQTT_TOPIC_ROOT',
      rawRoot,
      'topic levels of [A-Za-z0-9._-] separated by / (no wildcards, no leading $), e.g. uav',
    );
    ok = false;
  }
  if (url === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !MQTT_PROTOCOLS.includes(parsed.protocol) || parsed.hostname === '') {
    report('MQTT_URL', maskPassword(url), 'an mqtt://, mqtts://, ws:// or wss:// URL with a host');
    ok = false;
  }
  return ok ? { url, topicRoot } : undefined;
}
