import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { UnauthenticatedError, type Role } from '@kam/kernel';
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

/** Injects the caller's read scope, resolved once per request (or connection) with the token. Fails closed. */
export const CurrentScope = createParamDecorator((_: unknown, context: ExecutionContext): ReadScope => {
  const ctx = GqlExecutionContext.create(context).getContext<GqlContext>();
  if (!ctx.scope) throw new UnauthenticatedError();
  return ctx.scope;
});
