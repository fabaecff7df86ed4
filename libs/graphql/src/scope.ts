/**
 * What a caller may read, resolved once per request from the actor (product.md §5):
 * - `all`: ADMIN and BI_READER;
 * - `teams`: a SUPERVISOR — the teams they supervise, their reps, those reps' accounts and deals,
 *   and the trainings they run (`trainerId`);
 * - `rep`: a REP — their own data.
 * Every read query filters with it; out-of-scope rows read exactly like missing ones.
 */
export type ReadScope =
  | { kind: 'all' }
  | { kind: 'teams'; teamIds: readonly string[]; trainerId: string }
  | { kind: 'rep'; repId: string };

export const UNRESTRICTED: ReadScope = { kind: 'all' };
