import { Field, ID, InputType } from '@nestjs/graphql';
import { IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class CancelTrainingInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  sessionId!: string;

  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}
