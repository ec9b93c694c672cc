/**
 * The two operations every workload needs, for either system. `member` picks which member the
 * request goes to (0..memberCount-1); an attempt that fails throws.
 */
export interface StoreClient {
  readonly memberCount: number;
  write(member: number, key: string, document: string, timeoutMs: number): Promise<void>;
  read(member: number, key: string, linearizable: boolean, timeoutMs: number): Promise<void>;
  close(): void;
}
