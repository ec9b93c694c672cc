import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError } from './config-validation-error';
import { loadNodeConfig } from './load-node-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadNodeConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError);
    return error.problems.map((p) => p.variable);
  }
  return [];
}

describe('loadNodeConfig: the UAV link (MQTT_URL, MQTT_TOPIC_ROOT)', () => {
  it('has no UAV link without MQTT_URL', () => {
    assert.equal(loadNodeConfig({}).mqtt, undefined);
  });

  it('reads the broker URL, with the topic root uav by default', () => {
    assert.deepEqual(loadNodeConfig({ MQTT_URL: 'mqtt://127.0.0.1:1883' }).mqtt, {
      url: 'mqtt://127.0.0.1:1883',
      topicRoot: 'uav',
    });
    assert.deepEqual(
      loadNodeConfig({
        MQTT_URL: 'wss://broker.example:8884/mqtt',
        MQTT_TOPIC_ROOT: 'fleet/eu/uav',
      }).mqtt,
      { url: 'wss://broker.example:8884/mqtt', topicRoot: 'fleet/eu/uav' },
    );
  });

  it('refuses another scheme, a URL without host, and a root with wildcards', () => {
    assert.deepEqual(problemsOf({ MQTT_URL: 'http://127.0.0.1:1883' }), ['MQTT_URL']);
    assert.deepEqual(problemsOf({ MQTT_URL: 'localhost:1883' }), ['MQTT_URL']);
    assert.deepEqual(problemsOf({ MQTT_URL: 'mqtt://h', MQTT_TOPIC_ROOT: 'uav/#' }), [
      'MQTT_TOPIC_ROOT',
    ]);
    assert.deepEqual(problemsOf({ MQTT_TOPIC_ROOT: '$SYS' }), ['MQTT_TOPIC_ROOT']);
  });

  it('never shows the password of a bad URL', () => {
    try {
      loadNodeConfig({ MQTT_URL: 'http://user:secret@broker:1883' });
      assert.fail('the URL is refused');
    } catch (error) {
      assert.ok(error instanceof ConfigValidationError);
      assert.doesNotMatch(error.message, /secret/);
    }
  });
});
