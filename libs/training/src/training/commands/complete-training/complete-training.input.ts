import { Field, ID, InputType } from '@nestjs/graphql';
import { IsUUID } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class CompleteTrainingInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  sessionId!: string;
}
