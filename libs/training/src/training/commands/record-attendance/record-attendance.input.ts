import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsBoolean, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class RecordAttendanceInput extends CommandInput {
  @Field(() => ID)
  @IsUUID()
  sessionId!: string;

  @Field(() => ID)
  @IsUUID()
  repId!: string;

  @Field()
  @IsBoolean()
  attended!: boolean;

  @Field(() => Int, {
    nullable: true,
    description: 'A whole number from 0 to 100, only for a rep who attended.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  score?: number | null;
}
