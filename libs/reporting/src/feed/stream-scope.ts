import { assertNever, parseStreamId, type StreamCategory } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import type { AccountsQuery } from '../entities/accounts/accounts.query';
import type { DealsQuery } from '../entities/deals/deals.query';
import type { RepsQuery } from '../entities/reps/reps.query';
import type { TeamsQuery } from '../entities/teams/teams.query';
import type { TrainingSessionsQuery } from '../entities/training/training.query';

export interface ScopeSources {
  teams: TeamsQuery;
  reps: RepsQuery;
  accounts: AccountsQuery;
  deals: DealsQuery;
  training: TrainingSessionsQuery;
}

/**
 * Which streams a restricted caller may read events of, decided by the entity read models: a
 * stream is visible when the entity it belongs to is in the caller's scope now. Best effort by
 * design: it follows the read models (an event projected a moment ago may be judged by the
 * entity's state just before it), and it is about the current scope (a rep moved out of a
 * supervisor's team takes their history with them).
 */
export class StreamScope {
  constructor(private readonly sources: ScopeSources) {}

  async visible(streamIds: readonly string[], scope: ReadScope): Promise<Set<string>> {
    if (scope.kind === 'all') return new Set(streamIds);
    const byCategory = new Map<string, Set<string>>();
    for (const streamId of new Set(streamIds)) {
      const { category, id } = parseStreamId(streamId);
      const ids = byCategory.get(category) ?? new Set<string>();
      ids.add(id);
      byCategory.set(category, ids);
    }
    const out = new Set<string>();
    for (const [category, ids] of byCategory) {
      const visible = await this.visibleIds(category, [...ids], scope);
      for (const id of visible) out.add(`${category}-${id}`);
    }
    return out;
  }

  private async visibleIds(category: string, ids: string[], scope: ReadScope): Promise<Set<string>> {
    if (!isCategory(category)) return new Set();
    switch (category) {
      case 'team':
        return this.sources.teams.visibleIds(ids, scope);
      case 'rep':
        return this.sources.reps.visibleIds(ids, scope);
      case 'account':
        return this.sources.accounts.visibleIds(ids, scope);
      case 'deal':
        return this.sources.deals.visibleIds(ids, scope);
      case 'training':
        return this.sources.training.visibleIds(ids, scope);
      default:
        return assertNever(category);
    }
  }
}

const CATEGORIES: ReadonlySet<string> = new Set<StreamCategory>([
  'team',
  'rep',
  'account',
  'deal',
  'training',
]);

function isCategory(value: string): value is StreamCategory {
  return CATEGORIES.has(value);
}
