/** Metadata every stored event carries (product.md §2). */
export interface EventMetadata {
  commandId: string;
  correlationId: string;
  causationId: string;
  /** Token `sub` of whoever issued the command. */
  actor: string;
  /** Business time, ISO-8601 UTC. */
  occurredAt: string;
  schemaVersion: number;
  [extra: string]: unknown;
}
