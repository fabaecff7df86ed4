import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import type { Skill, TrainingStatus } from '@kam/kernel';
import { DateTimeScalar, MoneyScalar, SkillEnum, TrainingStatusEnum } from '@kam/graphql';

@ObjectType({ description: 'One training session a rep is enrolled in.' })
export class RepTrainingSession {
  @Field(() => ID)
  sessionId!: string;
  @Field()
  title!: string;
  @Field(() => SkillEnum)
  skill!: Skill;
  @Field(() => DateTimeScalar)
  scheduledAt!: string;
  @Field(() => TrainingStatusEnum)
  status!: TrainingStatus;
  @Field(() => DateTimeScalar, { nullable: true })
  completedAt!: string | null;
  @Field(() => Boolean, { nullable: true, description: 'null until attendance is recorded.' })
  attended!: boolean | null;
  @Field(() => Int, { nullable: true })
  score!: number | null;
}

@ObjectType({ description: "A rep's record in one skill (sessions not cancelled)." })
export class SkillScore {
  @Field(() => SkillEnum)
  skill!: Skill;
  @Field(() => Int)
  sessionsEnrolled!: number;
  @Field(() => Int)
  sessionsAttended!: number;
  @Field(() => Float, { nullable: true, description: 'Mean of the recorded scores of attended sessions.' })
  averageScore!: number | null;
  @Field(() => Int, { nullable: true, description: 'Score of the latest attended session with a score.' })
  lastScore!: number | null;
}

@ObjectType({ description: "A rep's trainings: sessions enrolled and attended, scores per skill." })
export class RepTraining {
  @Field(() => ID)
  repId!: string;
  @Field(() => Int, { description: 'Enrolments in sessions that were not cancelled.' })
  sessionsEnrolled!: number;
  @Field(() => Int)
  sessionsAttended!: number;
  @Field(() => Float, { nullable: true })
  averageScore!: number | null;
  @Field(() => [SkillScore], { description: 'Skills with an enrolment, in enum order.' })
  skills!: SkillScore[];
  @Field(() => [RepTrainingSession], { description: 'Every enrolment, cancelled sessions included, by scheduledAt.' })
  sessions!: RepTrainingSession[];
}

@ObjectType({ description: "Attendees' deals closed in the `days` before vs after completed sessions of a skill." })
export class TrainingEffect {
  @Field(() => SkillEnum)
  skill!: Skill;
  @Field(() => Int, { description: 'Window length in days on each side of the completion.' })
  days!: number;
  @Field(() => Int, { description: 'Completed sessions with at least one attendee counted.' })
  sessions!: number;
  @Field(() => Int, { description: 'Attendances counted (a rep at two sessions counts twice).' })
  attendees!: number;
  @Field(() => Int)
  closedBefore!: number;
  @Field(() => Int)
  closedAfter!: number;
  @Field(() => Float, { nullable: true })
  winRateBefore!: number | null;
  @Field(() => Float, { nullable: true })
  winRateAfter!: number | null;
  @Field(() => MoneyScalar)
  wonValueBefore!: number;
  @Field(() => MoneyScalar)
  wonValueAfter!: number;
}
