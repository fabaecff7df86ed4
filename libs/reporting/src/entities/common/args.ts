import { Args, Int } from '@nestjs/graphql';

/** `atLeastPosition: String` — every query takes it (product.md §4). */
export const AtLeastPosition = (): ParameterDecorator =>
  Args('atLeastPosition', {
    type: () => String,
    nullable: true,
    description:
      'Answer only once the read models have projected this global position (a mutation returns it).',
  });

export const First = (): ParameterDecorator =>
  Args('first', { type: () => Int, nullable: true, description: 'Page size, default 50, at most 500.' });

export const After = (): ParameterDecorator =>
  Args('after', { type: () => String, nullable: true, description: 'endCursor of the previous page.' });
