import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UavTopics } from './topics';

describe('UavTopics', () => {
  const topics = new UavTopics();

  it('builds the topics of the design', () => {
    assert.equal(topics.downlink('u-1', 'missions'), 'uav/u-1/missions');
    assert.equal(topics.downlink('u-1', 'commands'), 'uav/u-1/commands');
    assert.equal(topics.uplink('u-1', 'commands/ack'), 'uav/u-1/commands/ack');
    assert.equal(topics.filter('telemetry'), 'uav/+/telemetry');
    assert.equal(topics.sharedFilter('mission_status', 'fm'), '$share/fm/uav/+/mission_status');
  });

  it('reads the UAV and the channel of an uplink topic', () => {
    assert.deepEqual(topics.parseUplink('uav/u-1/telemetry'), {
      uavId: 'u-1',
      channel: 'telemetry',
    });
    assert.deepEqual(topics.parseUplink('uav/u.2/commands/ack'), {
      uavId: 'u.2',
      channel: 'commands/ack',
    });
  });

  it('refuses other topics, downlink channels and bad UAV ids', () => {
    assert.equal(topics.parseUplink('uav/u-1/commands'), undefined);
    assert.equal(topics.parseUplink('uav/u-1/nothing'), undefined);
    assert.equal(topics.parseUplink('drone/u-1/telemetry'), undefined);
    assert.equal(topics.parseUplink('uav/-bad/telemetry'), undefined);
    assert.equal(topics.parseUplink('uav//telemetry'), undefined);
  });

  it('works under a root of several levels', () => {
    const nested = new UavTopics('test/run-1/uav');
    assert.equal(nested.filter('events'), 'test/run-1/uav/+/events');
    assert.deepEqual(nested.parseUplink('test/run-1/uav/a/events'), {
      uavId: 'a',
      channel: 'events',
    });
    assert.equal(nested.parseUplink('test/run-2/uav/a/events'), undefined);
  });

  it('refuses a root with wildcards or a leading $', () => {
    assert.throws(() => new UavTopics('uav/+'), /topic root/);
    assert.throws(() => new UavTopics('$SYS'), /topic root/);
    assert.throws(() => new UavTopics(''), /topic root/);
  });
});
