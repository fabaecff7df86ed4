import { Field, ID, InputType } from '@nestjs/graphql';
import { IsString, IsUUID, Length } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class RecordCompetitorInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  dealId!: string;

  @Field()
  @IsString()
  @Length(1, 100)
  competitor!: string;
}
