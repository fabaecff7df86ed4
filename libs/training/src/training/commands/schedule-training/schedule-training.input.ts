import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { SKILLS, type Skill } from '@kam/kernel';
import { CommandInput, DateTimeScalar, SkillEnum } from '@kam/graphql';

@InputType()
export class ScheduleTrainingInput extends CommandInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Id for the new session (UUID); the server makes one when omitted.',
  })
  @IsOptional()
  @IsUUID()
  sessionId?: string;

  @Field()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  title!: string;

  @Field(() => SkillEnum)
  @IsIn(SKILLS)
  skill!: Skill;

  @Field(() => ID, { description: 'Token subject of whoever runs the session.' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  trainerId!: string;

  /** Already normalised to UTC by the DateTime scalar. */
  @Field(() => DateTimeScalar)
  @IsString()
  scheduledAt!: string;

  @Field(() => Int, { description: 'From 1 to 1440 (a day).' })
  @IsInt()
  @Min(1)
  @Max(1440)
  durationMinutes!: number;
}
