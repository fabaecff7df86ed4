import { Inject } from '@nestjs/common';
import { Args, Context, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CurrentScope, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, type ReadFreshness } from '../../feed/read-freshness';
import { AtLeastPosition } from '../common/args';
import { EntityLoaderRegistry } from '../common/loaders';
import { RepModel } from '../reps/rep.model';
import { TeamModel } from './team.model';
import { TeamsQuery } from './teams.query';

@Resolver(() => TeamModel)
export class TeamsResolver {
  constructor(
    private readonly teamsQuery: TeamsQuery,
    private readonly loaders: EntityLoaderRegistry,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => TeamModel, { description: 'One team; NOT_FOUND when unknown or outside your scope.' })
  async team(
    @Args('id', { type: () => ID }) id: string,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<TeamModel> {
    await this.freshness.waitFor(atLeastPosition);
    return this.teamsQuery.get(id, scope);
  }

  @Query(() => [TeamModel], { description: 'Every team in your scope, by name.' })
  async teams(
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<TeamModel[]> {
    await this.freshness.waitFor(atLeastPosition);
    return this.teamsQuery.list(scope);
  }

  @ResolveField('reps', () => [RepModel], {
    description: 'Current members (offboarded ones too, with active: false).',
  })
  async reps(
    @Parent() team: TeamModel,
    @Context() context: object,
    @CurrentScope() scope: ReadScope,
  ): Promise<RepModel[]> {
    return this.loaders.for(context, scope).repsByTeam.load(team.id);
  }
}
