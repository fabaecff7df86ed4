import { Field, ID, InputType } from '@nestjs/graphql';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class ChangeTeamSupervisorInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  teamId!: string;

  @Field(() => ID, { description: 'Token subject of the new supervising KAM.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  supervisorId!: string;
}
