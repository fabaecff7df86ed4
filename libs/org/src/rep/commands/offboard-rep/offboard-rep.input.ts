import { Field, ID, InputType } from '@nestjs/graphql';
import { IsOptional, IsUUID } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class OffboardRepInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  repId!: string;

  @Field(() => ID, {
    nullable: true,
    description: "Active rep who takes over the rep's open deals; required when there are any.",
  })
  @IsOptional()
  @IsUUID()
  reassignOpenDealsTo?: string | null;
}
