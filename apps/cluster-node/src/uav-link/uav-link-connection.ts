import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { NODE_CONFIG, NodeConfig } from '@falconmind/config';
import { UavTopics } from '@falconmind/uav-link';
import { connect, IClientOptions, MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { NODE_LOGGER } from '../cluster/cluster.tokens';
import { NodeLogger } from '../node-logger';
import { reconnectDelayMs } from './backoff';
import { MAX_PAYLOAD_BYTES } from './link-limits';

/** `disabled`: no MQTT_URL; `degraded`: configured but not connected (reconnecting). */
export type UavLinkState = 'disabled' | 'connecting' | 'up' | 'degraded';

export interface UavLinkStatus {
  readonly state: UavLinkState;
  readonly broker: string | null;
  /** Since when the link is in this state (epoch ms). */
  readonly sinceMs: number;
  readonly detail: string | null;
}

/** Called for every message of the link's subscriptions. */
export type UplinkListener = (topic: string, payload: Buffer) => void;

/**
 * This node's connection to the UAVs' broker (MQTT 5). It reconnects by itself with backoff and
 * jitter (mqtt.js's own reconnect is a fixed period) and subscribes again on each new session.
 *
 * Which subscriptions are shared (`$share/<CLUSTER_ID>/…`: the broker gives each message to ONE
 * node of the cluster) and which are plain (every node gets it):
 * - telemetry: shared. The node that takes a sample shares it with its peers outside Raft, so
 *   one copy per cluster is enough and the ingest load spreads over the nodes.
 * - mission_status and commands/ack: shared. Each becomes one Raft command; one node proposes it.
 * - events: plain. Every node logs and counts them (each may serve its own live subscribers).
 */
@Injectable()
export class UavLinkConnection implements OnApplicationShutdown {
  readonly topics: UavTopics;
  private client: MqttClient | undefined;
  private status: UavLinkStatus;
  private attempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners: UplinkListener[] = [];

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_LOGGER) private readonly logger: NodeLogger,
  ) {
    this.topics = new UavTopics(config.mqtt?.topicRoot);
    this.status = {
      state: config.mqtt ? 'connecting' : 'disabled',
      broker: config.mqtt ? maskPassword(config.mqtt.url) : null,
      sinceMs: Date.now(),
      detail: config.mqtt ? null : 'MQTT_URL is not set',
    };
  }

  get enabled(): boolean {
    return this.config.mqtt !== undefined;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  linkStatus(): UavLinkStatus {
    return this.status;
  }

  onMessage(listener: UplinkListener): void {
    this.listeners.push(listener);
  }

  /** Connects (once); a no-op without MQTT_URL. Never throws: a broker that is down only degrades. */
  start(): void {
    const mqtt = this.config.mqtt;
    if (!mqtt || this.client) return;
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: `${this.config.clusterId}.${this.config.nodeId}.${randomBytes(4).toString('hex')}`,
      clean: true,
      keepalive: 30,
      connectTimeout: 5_000,
      // Reconnects are ours (backoff with jitter), see scheduleReconnect.
      reconnectPeriod: 0,
      resubscribe: false,
      // MQTT 5: the broker drops what is larger than this rather than send it (a slack over the
      // payload limit for the topic and the headers).
      properties: { maximumPacketSize: MAX_PAYLOAD_BYTES + 16 * 1024 },
    };
    const client = connect(mqtt.url, options);
    this.client = client;
    client.on('connect', (connack) => {
      this.attempts = 0;
      this.setState('up', null);
      this.logger.info('UAV link connected', { broker: this.status.broker ?? '' });
      if (!connack.sessionPresent) this.subscribe(client);
    });
    client.on('message', (topic, payload) => {
      for (const listener of this.listeners) listener(topic, payload);
    });
    client.on('error', (error) => {
      this.setState('degraded', error.message);
    });
    client.on('close', () => {
      if (this.stopped) return;
      if (this.status.state === 'up') this.logger.warn('UAV link lost; reconnecting', {});
      this.setState('degraded', this.status.detail ?? 'connection closed');
      this.scheduleReconnect();
    });
  }

  /**
   * Publishes a command at QoS 1. Resolves once the broker took it (PUBACK); rejects when the link is
   * down (nothing is queued: the caller's resend schedule decides when to try again).
   */
  publish(topic: string, payload: string): Promise<void> {
    const client = this.client;
    if (!client?.connected) return Promise.reject(new Error('the UAV link is not connected'));
    return new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: 1 }, (error) => (error ? reject(error) : resolve()));
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    if (client) await client.endAsync(true).catch(() => undefined);
  }

  private subscribe(client: MqttClient): void {
    const group = this.config.clusterId;
    const subscriptions: Record<string, { qos: 0 | 1 }> = {
      [this.topics.sharedFilter('telemetry', group)]: { qos: 0 },
      [this.topics.sharedFilter('mission_status', group)]: { qos: 1 },
      [this.topics.sharedFilter('commands/ack', group)]: { qos: 1 },
      [this.topics.filter('events')]: { qos: 1 },
    };
    client.subscribe(subscriptions, (error, granted) => {
      if (error) {
        this.setState('degraded', `subscribing failed: ${error.message}`);
        return;
      }
      const refused = (granted ?? []).filter((g) => g.qos >= 0x80).map((g) => g.topic);
      if (refused.length > 0) {
        this.setState('degraded', `the broker refused ${refused.join(', ')}`);
        this.logger.warn('UAV link subscriptions refused', { topics: refused.join(', ') });
      }
    });
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.attempts++;
    const delay = reconnectDelayMs(this.attempts, Math.random());
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) this.client?.reconnect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private setState(state: UavLinkState, detail: string | null): void {
    if (state !== this.status.state || detail !== this.status.detail) {
      this.status = {
        ...this.status,
        state,
        detail,
        sinceMs: state === this.status.state ? this.status.sinceMs : Date.now(),
      };
    }
  }
}

/** Masks the password of a URL so that it never reaches a log or /health. */
function maskPassword(url: string): string {
  return url.replace(/^([^:/]*:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
