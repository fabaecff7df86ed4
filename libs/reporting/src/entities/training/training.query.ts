import { NotFoundError, assertNever, type Skill, type TrainingStatus } from '@kam/kernel';
import type { ConnectionShape, ReadScope } from '@kam/graphql';
import { inListChunks, type ReadModelAccess } from '@kam/read-store';
import { afterId, connectionOf, pageSize, type PageArgs } from '../common/paging';
import { allOf, anyOf, eq, exists, inSubquery, isIn, sameAs, type Predicate } from '../common/predicates';
import {
  TRAINING_ENROLLMENTS_TABLE,
  TRAINING_PROJECTION,
  TRAINING_REP_TEAMS_TABLE,
  TRAINING_SESSIONS_TABLE,
  trainingFromRow,
  type TrainingSessionRow,
} from './training.projection';

export interface TrainingSessionFilter {
  skill?: Skill | null;
  status?: TrainingStatus | null;
  trainerId?: string | null;
  repId?: string | null;
}

export class TrainingSessionsQuery {
  constructor(private readonly access: ReadModelAccess) {}

  private table(logical: string): string {
    return this.access.table(TRAINING_PROJECTION, logical);
  }

  private enrolled(rep: Predicate): Predicate {
    return exists(this.table(TRAINING_ENROLLMENTS_TABLE), 'e', allOf(sameAs('e.session_id', 's.id'), rep));
  }

  /**
   * Sessions a scope may read: all; a supervisor's: those they run (trainerId) and those with an
   * enrolled rep now in one of their teams; a rep's: those they are enrolled in.
   */
  private scopePredicate(scope: ReadScope): Predicate | null {
    switch (scope.kind) {
      case 'all':
        return null;
      case 'teams':
        return anyOf(
          eq('s.trainer_id', scope.trainerId),
          this.enrolled(
            inSubquery(
              'e.rep_id',
              this.table(TRAINING_REP_TEAMS_TABLE),
              'rt',
              'rep_id',
              isIn('rt.team_id', scope.teamIds),
            ),
          ),
        );
      case 'rep':
        return this.enrolled(eq('e.rep_id', scope.repId));
      default:
        return assertNever(scope);
    }
  }

  private scoped(scope: ReadScope) {
    const query = this.access.db.selectFrom(`${this.table(TRAINING_SESSIONS_TABLE)} as s`).selectAll('s');
    const predicate = this.scopePredicate(scope);
    return predicate ? query.where(predicate) : query;
  }

  async get(id: string, scope: ReadScope): Promise<TrainingSessionRow> {
    const row = await this.scoped(scope).where('s.id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('TrainingSession', id);
    return trainingFromRow(row);
  }

  async list(
    filter: TrainingSessionFilter | null | undefined,
    page: PageArgs,
    scope: ReadScope,
  ): Promise<ConnectionShape<TrainingSessionRow>> {
    const size = pageSize(page.first);
    const after = afterId(page.after);
    let query = this.scoped(scope);
    if (filter?.skill != null) query = query.where('s.skill', '=', filter.skill);
    if (filter?.status != null) query = query.where('s.status', '=', filter.status);
    if (filter?.trainerId != null) query = query.where('s.trainer_id', '=', filter.trainerId);
    if (filter?.repId != null) query = query.where(this.enrolled(eq('e.rep_id', filter.repId)));
    if (after !== undefined) query = query.where('s.id', '>', after);
    const rows = await query
      .orderBy('s.id')
      .limit(size + 1)
      .execute();
    return connectionOf(rows.map(trainingFromRow), size, (s) => s);
  }

  async visibleIds(ids: readonly string[], scope: ReadScope): Promise<Set<string>> {
    const out = new Set<string>();
    for (const chunk of inListChunks([...new Set(ids)], 500)) {
      for (const row of await this.scoped(scope).where('s.id', 'in', chunk).execute())
        out.add(String(row.id));
    }
    return out;
  }
}
