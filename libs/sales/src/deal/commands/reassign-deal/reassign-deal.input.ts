import { Field, ID, InputType } from '@nestjs/graphql';
import { IsUUID } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class ReassignDealInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  dealId!: string;

  @Field(() => ID, { description: 'The rep who takes the deal over.' })
  @IsUUID()
  repId!: string;
}
