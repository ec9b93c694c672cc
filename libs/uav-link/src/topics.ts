/**
 * The MQTT topics of the UAV link (DESIGN.md, "UAV links"), under a root that is `uav` unless a
 * deployment (or a test sharing a broker) chooses another:
 *
 * | topic                      | direction | QoS | what                                           |
 * | -------------------------- | --------- | --- | ---------------------------------------------- |
 * | `uav/{id}/telemetry`       | up        | 0   | telemetry samples, high rate, never in Raft    |
 * | `uav/{id}/mission_status`  | up        | 1   | progress and end state of the current mission  |
 * | `uav/{id}/events`          | up        | 1   | free-form events (warnings, faults)            |
 * | `uav/{id}/commands/ack`    | up        | 1   | the acknowledgement of a command, by its id    |
 * | `uav/{id}/missions`        | down      | 1   | dispatch commands, with the mission's details  |
 * | `uav/{id}/commands`        | down      | 1   | pause, resume, cancel                          |
 */

/** The root of every topic unless configured otherwise. */
export const DEFAULT_TOPIC_ROOT = 'uav';

/** The channels a UAV publishes on. */
export const UPLINK_CHANNELS = ['telemetry', 'mission_status', 'events', 'commands/ack'] as const;
export type UplinkChannel = (typeof UPLINK_CHANNELS)[number];

/** The channels the cluster publishes commands on. */
export const DOWNLINK_CHANNELS = ['missions', 'commands'] as const;
export type DownlinkChannel = (typeof DOWNLINK_CHANNELS)[number];

/** A topic root: one or more levels of `[A-Za-z0-9._-]`, no wildcards, no leading `$`. */
const TOPIC_ROOT_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** A UAV id as the fleet accepts it (letters, digits, `._:-`, starting with a letter or digit). */
export const UAV_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
export const UAV_ID_MAX_LENGTH = 128;

export function isUavId(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= UAV_ID_MAX_LENGTH && UAV_ID_PATTERN.test(value)
  );
}

export function isTopicRoot(value: string): boolean {
  return TOPIC_ROOT_PATTERN.test(value);
}

/** Where an incoming message came from: its UAV (as the topic names it) and its channel. */
export interface UplinkTopic {
  readonly uavId: string;
  readonly channel: UplinkChannel;
}

/** Builds and reads the topics under one root. */
export class UavTopics {
  private readonly rootLevels: number;

  constructor(readonly root: string = DEFAULT_TOPIC_ROOT) {
    if (!isTopicRoot(root)) {
      throw new Error(
        `topic root ${JSON.stringify(root)} must be levels of [A-Za-z0-9._-] separated by /`,
      );
    }
    this.rootLevels = root.split('/').length;
  }

  /** `uav/{id}/missions` or `uav/{id}/commands`. */
  downlink(uavId: string, channel: DownlinkChannel): string {
    return `${this.root}/${uavId}/${channel}`;
  }

  uplink(uavId: string, channel: UplinkChannel): string {
    return `${this.root}/${uavId}/${channel}`;
  }

  /** `uav/+/telemetry`: the filter for one channel of every UAV. */
  filter(channel: UplinkChannel | DownlinkChannel): string {
    return `${this.root}/+/${channel}`;
  }

  /**
   * The same filter as an MQTT 5 shared subscription of `group` (`$share/<group>/uav/+/…`): the
   * broker hands each message to one member of the group only.
   */
  sharedFilter(channel: UplinkChannel, group: string): string {
    return `$share/${group}/${this.filter(channel)}`;
  }

  /** The UAV and channel of an uplink topic; undefined for any other topic or a bad UAV id. */
  parseUplink(topic: string): UplinkTopic | undefined {
    const levels = topic.split('/');
    if (levels.slice(0, this.rootLevels).join('/') !== this.root) return undefined;
    const uavId = levels[this.rootLevels];
    const channel = levels.slice(this.rootLevels + 1).join('/');
    if (!isUavId(uavId)) return undefined;
    if (!(UPLINK_CHANNELS as readonly string[]).includes(channel)) return undefined;
    return { uavId, channel: channel as UplinkChannel };
  }
}
