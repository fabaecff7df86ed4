import { Args } from '@nestjs/graphql';

/** `atLeastPosition: String` — every query takes it (product.md §4). */
export const AtLeastPosition = (): ParameterDecorator =>
  Args('atLeastPosition', {
    type: () => String,
    nullable: true,
    description: 'Answer only once the read models have projected this global position (a mutation returns it).',
  });
