/** The contract shared by the fake agent and a real `consul agent -dev`. */

export interface ConsulTestServerOptions {
  /**
   * When set, ACLs are on in default-deny with this as the only (management) token, taken from
   * `X-Consul-Token`, `Authorization: Bearer` or `?token=`. Without a token a request runs as the
   * anonymous token: writes and single reads get 403 "Permission denied: ...", lists come back empty
   * (filtered); with any other token every request gets 403 "ACL not found". `/v1/status/*` stays open.
   */
  aclToken?: string;
  /**
   * Multiplies every duration the server honours (check intervals/timeouts, TTLs,
   * DeregisterCriticalServiceAfter, the reaper period, blocking `wait`) so that tests run fast:
   * 0.1 makes a 5 s interval 500 ms. Default 1. Ignored by a real agent.
   */
  timeScale?: number;
  /** Port to listen on (127.0.0.1); 0 = ephemeral (default). Used to restart on the same port. */
  port?: number;
}

export interface ConsulTestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly kind: 'fake' | 'consul-agent-dev';
  /**
   * Stops listening and all checks (like a Consul agent going down); state is kept so `start()`
   * brings the same agent back on the same port.
   */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops for good and frees everything. */
  close(): Promise<void>;
}
