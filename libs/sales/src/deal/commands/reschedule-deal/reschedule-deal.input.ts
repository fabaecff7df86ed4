import { Field, ID, InputType } from '@nestjs/graphql';
import { IsString, IsUUID } from 'class-validator';
import { CommandInput, DateScalar } from '@kam/graphql';

@InputType()
export class RescheduleDealInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  dealId!: string;

  @Field(() => DateScalar)
  @IsString()
  expectedCloseDate!: string;
}
