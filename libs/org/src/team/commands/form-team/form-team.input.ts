import { Field, ID, InputType } from '@nestjs/graphql';
import { IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class FormTeamInput extends CommandInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Id for the new team (UUID); the server makes one when omitted.',
  })
  @IsOptional()
  @IsUUID()
  teamId?: string;

  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @Field(() => ID, { description: 'Token subject of the supervising KAM.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  supervisorId!: string;
}
