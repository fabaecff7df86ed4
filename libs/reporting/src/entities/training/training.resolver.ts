import { Inject } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { CurrentScope, type ConnectionShape, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, type ReadFreshness } from '../../feed/read-freshness';
import { After, AtLeastPosition, First } from '../common/args';
import {
  TrainingSessionConnection,
  TrainingSessionFilterInput,
  TrainingSessionModel,
  toTrainingSessionModel,
} from './training-session.model';
import { TrainingSessionsQuery } from './training.query';

@Resolver(() => TrainingSessionModel)
export class TrainingSessionsResolver {
  constructor(
    private readonly trainingQuery: TrainingSessionsQuery,
    @Inject(READ_FRESHNESS) private readonly freshness: ReadFreshness,
  ) {}

  @Query(() => TrainingSessionConnection, { description: 'Training sessions in your scope, by id.' })
  async trainingSessions(
    @Args('filter', { type: () => TrainingSessionFilterInput, nullable: true })
    filter: TrainingSessionFilterInput | null,
    @First() first: number | null,
    @After() after: string | null,
    @AtLeastPosition() atLeastPosition: string | null,
    @CurrentScope() scope: ReadScope,
  ): Promise<ConnectionShape<TrainingSessionModel>> {
    await this.freshness.waitFor(atLeastPosition);
    const page = await this.trainingQuery.list(filter, { first, after }, scope);
    return {
      ...page,
      edges: page.edges.map((e) => ({ cursor: e.cursor, node: toTrainingSessionModel(e.node) })),
    };
  }
}
