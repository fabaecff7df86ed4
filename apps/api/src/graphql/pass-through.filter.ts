import { Catch, type ArgumentsHost } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';

/**
 * Hands every resolver error to GraphQL untouched. Nest's default handler would log expected
 * refusals (a rule, a missing id) as errors with stacks; the error formatter is the one place that
 * maps errors and logs only the unexpected ones.
 */
@Catch()
export class PassThroughGqlFilter implements GqlExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): unknown {
    if (host.getType<string>() !== 'graphql') throw exception;
    return exception;
  }
}
