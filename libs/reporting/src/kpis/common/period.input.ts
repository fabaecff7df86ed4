import { Field, InputType } from '@nestjs/graphql';
import { IsString } from 'class-validator';
import { DateScalar } from '@kam/graphql';

/** A report period: calendar dates, UTC, both inclusive; `from` must not be after `to` (BAD_USER_INPUT). */
@InputType('PeriodInput')
export class PeriodInput {
  @Field(() => DateScalar, { description: 'First day of the period (UTC, inclusive).' })
  @IsString()
  from!: string;

  @Field(() => DateScalar, { description: 'Last day of the period (UTC, inclusive).' })
  @IsString()
  to!: string;
}
