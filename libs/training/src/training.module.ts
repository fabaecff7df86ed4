import { Module } from '@nestjs/common';
import { CancelTrainingHandler } from './training/commands/cancel-training/cancel-training.handler';
import { CancelTrainingResolver } from './training/commands/cancel-training/cancel-training.resolver';
import { CompleteTrainingHandler } from './training/commands/complete-training/complete-training.handler';
import { CompleteTrainingResolver } from './training/commands/complete-training/complete-training.resolver';
import { EnrollInTrainingHandler } from './training/commands/enroll-in-training/enroll-in-training.handler';
import { EnrollInTrainingResolver } from './training/commands/enroll-in-training/enroll-in-training.resolver';
import { RecordAttendanceHandler } from './training/commands/record-attendance/record-attendance.handler';
import { RecordAttendanceResolver } from './training/commands/record-attendance/record-attendance.resolver';
import { ScheduleTrainingHandler } from './training/commands/schedule-training/schedule-training.handler';
import { ScheduleTrainingResolver } from './training/commands/schedule-training/schedule-training.resolver';

/** The training context's write side: sessions, enrolment, attendance. Needs the global CommandExecutor. */
@Module({
  providers: [
    ScheduleTrainingHandler,
    ScheduleTrainingResolver,
    EnrollInTrainingHandler,
    EnrollInTrainingResolver,
    RecordAttendanceHandler,
    RecordAttendanceResolver,
    CompleteTrainingHandler,
    CompleteTrainingResolver,
    CancelTrainingHandler,
    CancelTrainingResolver,
  ],
})
export class TrainingModule {}
