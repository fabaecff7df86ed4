/**
 * Typed errors shared by every context. The API maps `code` to `extensions.code` in one place;
 * nothing else decides how an error looks on the wire.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'DOMAIN_RULE_VIOLATED'
  | 'QUERY_TOO_COMPLEX'
  | 'STALE_READ_MODEL'
  | 'SERVICE_UNAVAILABLE'
  | 'RATE_LIMITED';

export abstract class KamError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra, safe-to-publish details that go to `extensions`. */
  extensions(): Record<string, unknown> {
    return {};
  }
}

/** A business rule said no. `reason` is a stable SCREAMING_SNAKE code, e.g. DEAL_ALREADY_CLOSED. */
export class DomainRuleViolation extends KamError {
  readonly code = 'DOMAIN_RULE_VIOLATED' as const;
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'DomainRuleViolation';
  }
  override extensions(): Record<string, unknown> {
    return { reason: this.reason };
  }
}

export class NotFoundError extends KamError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends KamError {
  readonly code = 'CONFLICT' as const;
  constructor(
    readonly streamId: string,
    readonly expectedRevision: string,
    readonly actualRevision: number | null,
  ) {
    super(`Stream ${streamId} is at revision ${actualRevision ?? 'none'}, expected ${expectedRevision}`);
    this.name = 'ConflictError';
  }
  override extensions(): Record<string, unknown> {
    return { expectedRevision: this.expectedRevision, actualRevision: this.actualRevision };
  }
}

export interface FieldProblem {
  field: string;
  message: string;
}

export class BadUserInputError extends KamError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(readonly fields: FieldProblem[]) {
    super(fields.map((f) => `${f.field}: ${f.message}`).join('; ') || 'Invalid input');
    this.name = 'BadUserInputError';
  }
  override extensions(): Record<string, unknown> {
    return { fields: this.fields };
  }
}

export class UnauthenticatedError extends KamError {
  readonly code = 'UNAUTHENTICATED' as const;
  constructor(message = 'A valid bearer token is required') {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

export class ForbiddenError extends KamError {
  readonly code = 'FORBIDDEN' as const;
  constructor(message = 'Not allowed for this role') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class StaleReadModelError extends KamError {
  readonly code = 'STALE_READ_MODEL' as const;
  constructor(
    readonly wanted: string,
    readonly reached: string | null,
  ) {
    super(`Read models have not reached position ${wanted} yet (at ${reached ?? 'nothing'})`);
    this.name = 'StaleReadModelError';
  }
  override extensions(): Record<string, unknown> {
    return { atLeastPosition: this.wanted, projectedPosition: this.reached };
  }
}

export class QueryTooComplexError extends KamError {
  readonly code = 'QUERY_TOO_COMPLEX' as const;
  constructor(message: string) {
    super(message);
    this.name = 'QueryTooComplexError';
  }
}

export class ServiceUnavailableError extends KamError {
  readonly code = 'SERVICE_UNAVAILABLE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

/** Too many requests for one token; `statusCode` makes the HTTP answer a 429. */
export class RateLimitedError extends KamError {
  readonly code = 'RATE_LIMITED' as const;
  readonly statusCode = 429;
  constructor(
    readonly limitPerMinute: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`Rate limit of ${limitPerMinute} requests per minute exceeded; retry in ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
  }
  override extensions(): Record<string, unknown> {
    return { retryAfterSeconds: this.retryAfterSeconds };
  }
}
