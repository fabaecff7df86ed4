import { Field, ID, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsUUID } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class EnrollInTrainingInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  sessionId!: string;

  @Field(() => [ID], { description: 'From 1 to 500 distinct rep ids.' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ArrayUnique()
  @IsUUID(undefined, { each: true })
  repIds!: string[];
}
