import type { Actor, ReadScope } from '@kam/graphql';
import type { ScopeResolver } from './context';

/**
 * A SUPERVISOR's scope: the teams whose supervisor is the token's `sub`, read from the teams read
 * model, and the trainings they run. Until the read side is wired, a supervisor sees no team.
 */
export class ReadModelScopeResolver implements ScopeResolver {
  constructor(private readonly teamsSupervisedBy: (sub: string) => Promise<string[]> = async () => []) {}

  async scopeOf(actor: Actor): Promise<ReadScope> {
    return { kind: 'teams', teamIds: await this.teamsSupervisedBy(actor.sub), trainerId: actor.sub };
  }
}
