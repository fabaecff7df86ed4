import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Role } from '@kam/kernel';
import type { ReadScope } from './scope';

/** The authenticated caller (token `sub` and `role`). */
export interface Actor {
  sub: string;
  role: Role;
}

/** The GraphQL context every resolver sees. */
export interface GqlContext {
  actor?: Actor;
  scope?: ReadScope;
  [key: string]: unknown;
}

/** Injects the authenticated caller; authentication itself happens once per request in the context. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const ctx = GqlExecutionContext.create(context).getContext<GqlContext>();
  if (!ctx.actor) throw new Error('No actor in the GraphQL context');
  return ctx.actor;
});

/** Injects the caller's read scope (resolved in the GraphQL context; UNRESTRICTED until auth resolves it). */
export const CurrentScope = createParamDecorator((_: unknown, context: ExecutionContext): ReadScope => {
  const ctx = GqlExecutionContext.create(context).getContext<GqlContext>();
  return ctx.scope ?? { kind: 'all' };
});
