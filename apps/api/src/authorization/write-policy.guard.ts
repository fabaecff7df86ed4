import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { GqlContext } from '@kam/graphql';
import { WritePolicy } from './write-policy';

/** Applies the write policy to every root mutation before its resolver runs. */
@Injectable()
export class WritePolicyGuard implements CanActivate {
  constructor(private readonly policy: WritePolicy) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<string>() !== 'graphql') return true;
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<GraphQLResolveInfo>();
    if (info.parentType.name !== 'Mutation') return true;
    const actor = gql.getContext<GqlContext>().actor;
    if (!actor) return false;
    const input = (gql.getArgs<{ input?: Record<string, unknown> }>().input ?? {}) as Record<string, unknown>;
    await this.policy.authorize(actor, info.fieldName, input);
    return true;
  }
}
