import { Field, ID, InputType } from '@nestjs/graphql';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class RenameTeamInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  teamId!: string;

  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}
