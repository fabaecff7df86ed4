import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { SKILLS, TRAINING_STATUSES, type Skill, type TrainingStatus } from '@kam/kernel';
import { Connection, DateTimeScalar, SkillEnum, TrainingStatusEnum } from '@kam/graphql';
import type { TrainingSessionRow } from './training.projection';

@ObjectType('TrainingSession', { description: 'A training session for reps.' })
export class TrainingSessionModel {
  @Field(() => ID)
  id!: string;
  @Field(() => Int, { description: 'Revision of the training stream at the last event applied.' })
  revision!: number;
  @Field()
  title!: string;
  @Field(() => SkillEnum)
  skill!: Skill;
  @Field(() => ID)
  trainerId!: string;
  @Field(() => DateTimeScalar)
  scheduledAt!: string;
  @Field(() => Int)
  durationMinutes!: number;
  @Field(() => TrainingStatusEnum)
  status!: TrainingStatus;
  @Field(() => [ID], { description: 'In enrolment order.' })
  enrolledRepIds!: string[];
}

export function toTrainingSessionModel(row: TrainingSessionRow): TrainingSessionModel {
  return {
    id: row.id,
    revision: row.revision,
    title: row.title,
    skill: row.skill,
    trainerId: row.trainerId,
    scheduledAt: row.scheduledAt,
    durationMinutes: row.durationMinutes,
    status: row.status,
    enrolledRepIds: row.enrollments.map((e) => e.repId),
  };
}

export const TrainingSessionConnection = Connection(TrainingSessionModel, 'TrainingSession');

@InputType('TrainingSessionFilter')
export class TrainingSessionFilterInput {
  @Field(() => SkillEnum, { nullable: true })
  @IsOptional()
  @IsIn(SKILLS)
  skill?: Skill | null;

  @Field(() => TrainingStatusEnum, { nullable: true })
  @IsOptional()
  @IsIn(TRAINING_STATUSES)
  status?: TrainingStatus | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  trainerId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Sessions this rep is enrolled in.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  repId?: string | null;
}
