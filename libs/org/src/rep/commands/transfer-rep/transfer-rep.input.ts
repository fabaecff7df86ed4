import { Field, ID, InputType } from '@nestjs/graphql';
import { IsUUID } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class TransferRepInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  repId!: string;

  @Field(() => ID, { description: 'The team the rep moves to.' })
  @IsUUID()
  teamId!: string;
}
