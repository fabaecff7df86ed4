import { Field, ID, InputType } from '@nestjs/graphql';
import { IsUUID } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class ReassignAccountInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  accountId!: string;

  @Field(() => ID, { description: 'The rep who takes the account over.' })
  @IsUUID()
  ownerRepId!: string;
}
