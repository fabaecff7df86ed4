/* eslint-disable no-restricted-imports -- see below */
/**
 * The real command classes of every use case, for the seed generator (CLI seed, API demo, bench).
 *
 * The contexts publish their deciders, events and modules through their `index.ts`, but not the
 * per-use-case `*Command` classes the CommandBus routes on, and the generator must go through the
 * very handlers the API uses (loads, cross-aggregate facts, business-time checks, idempotency).
 * This one file therefore reaches into the use-case folders; it is the only place that does, so
 * the boundary exception is visible and grep-able. When the contexts export their command classes,
 * these lines become `export { ... } from '@kam/org'` and the disable goes.
 */
export { ChangeRepChannelCommand } from '../../../../libs/org/src/rep/commands/change-rep-channel/change-rep-channel.command';
export { HireRepCommand } from '../../../../libs/org/src/rep/commands/hire-rep/hire-rep.command';
export { OffboardRepCommand } from '../../../../libs/org/src/rep/commands/offboard-rep/offboard-rep.command';
export { SetRepQuotaCommand } from '../../../../libs/org/src/rep/commands/set-rep-quota/set-rep-quota.command';
export { TransferRepCommand } from '../../../../libs/org/src/rep/commands/transfer-rep/transfer-rep.command';
export { ChangeTeamSupervisorCommand } from '../../../../libs/org/src/team/commands/change-team-supervisor/change-team-supervisor.command';
export { FormTeamCommand } from '../../../../libs/org/src/team/commands/form-team/form-team.command';
export { RenameTeamCommand } from '../../../../libs/org/src/team/commands/rename-team/rename-team.command';
export { ReassignAccountCommand } from '../../../../libs/sales/src/account/commands/reassign-account/reassign-account.command';
export { RegisterAccountCommand } from '../../../../libs/sales/src/account/commands/register-account/register-account.command';
export { AdvanceDealCommand } from '../../../../libs/sales/src/deal/commands/advance-deal/advance-deal.command';
export { ChangeDealChannelCommand } from '../../../../libs/sales/src/deal/commands/change-deal-channel/change-deal-channel.command';
export { LoseDealCommand } from '../../../../libs/sales/src/deal/commands/lose-deal/lose-deal.command';
export { OpenDealCommand } from '../../../../libs/sales/src/deal/commands/open-deal/open-deal.command';
export { ReassignDealCommand } from '../../../../libs/sales/src/deal/commands/reassign-deal/reassign-deal.command';
export { RecordCompetitorCommand } from '../../../../libs/sales/src/deal/commands/record-competitor/record-competitor.command';
export { RecordFulfilmentCommand } from '../../../../libs/sales/src/deal/commands/record-fulfilment/record-fulfilment.command';
export { RescheduleDealCommand } from '../../../../libs/sales/src/deal/commands/reschedule-deal/reschedule-deal.command';
export { ReviseDealValueCommand } from '../../../../libs/sales/src/deal/commands/revise-deal-value/revise-deal-value.command';
export { WinDealCommand } from '../../../../libs/sales/src/deal/commands/win-deal/win-deal.command';
export { CancelTrainingCommand } from '../../../../libs/training/src/training/commands/cancel-training/cancel-training.command';
export { CompleteTrainingCommand } from '../../../../libs/training/src/training/commands/complete-training/complete-training.command';
export { EnrollInTrainingCommand } from '../../../../libs/training/src/training/commands/enroll-in-training/enroll-in-training.command';
export { RecordAttendanceCommand } from '../../../../libs/training/src/training/commands/record-attendance/record-attendance.command';
export { ScheduleTrainingCommand } from '../../../../libs/training/src/training/commands/schedule-training/schedule-training.command';
export type { ChangeRepChannelInput } from '../../../../libs/org/src/rep/commands/change-rep-channel/change-rep-channel.input';
export type { HireRepInput } from '../../../../libs/org/src/rep/commands/hire-rep/hire-rep.input';
export type { OffboardRepInput } from '../../../../libs/org/src/rep/commands/offboard-rep/offboard-rep.input';
export type { SetRepQuotaInput } from '../../../../libs/org/src/rep/commands/set-rep-quota/set-rep-quota.input';
export type { TransferRepInput } from '../../../../libs/org/src/rep/commands/transfer-rep/transfer-rep.input';
export type { ChangeTeamSupervisorInput } from '../../../../libs/org/src/team/commands/change-team-supervisor/change-team-supervisor.input';
export type { FormTeamInput } from '../../../../libs/org/src/team/commands/form-team/form-team.input';
export type { RenameTeamInput } from '../../../../libs/org/src/team/commands/rename-team/rename-team.input';
export type { ReassignAccountInput } from '../../../../libs/sales/src/account/commands/reassign-account/reassign-account.input';
export type { RegisterAccountInput } from '../../../../libs/sales/src/account/commands/register-account/register-account.input';
export type { AdvanceDealInput } from '../../../../libs/sales/src/deal/commands/advance-deal/advance-deal.input';
export type { ChangeDealChannelInput } from '../../../../libs/sales/src/deal/commands/change-deal-channel/change-deal-channel.input';
export type { LoseDealInput } from '../../../../libs/sales/src/deal/commands/lose-deal/lose-deal.input';
export type { OpenDealInput } from '../../../../libs/sales/src/deal/commands/open-deal/open-deal.input';
export type { ReassignDealInput } from '../../../../libs/sales/src/deal/commands/reassign-deal/reassign-deal.input';
export type { RecordCompetitorInput } from '../../../../libs/sales/src/deal/commands/record-competitor/record-competitor.input';
export type { RecordFulfilmentInput } from '../../../../libs/sales/src/deal/commands/record-fulfilment/record-fulfilment.input';
export type { RescheduleDealInput } from '../../../../libs/sales/src/deal/commands/reschedule-deal/reschedule-deal.input';
export type { ReviseDealValueInput } from '../../../../libs/sales/src/deal/commands/revise-deal-value/revise-deal-value.input';
export type { WinDealInput } from '../../../../libs/sales/src/deal/commands/win-deal/win-deal.input';
export type { CancelTrainingInput } from '../../../../libs/training/src/training/commands/cancel-training/cancel-training.input';
export type { CompleteTrainingInput } from '../../../../libs/training/src/training/commands/complete-training/complete-training.input';
export type { EnrollInTrainingInput } from '../../../../libs/training/src/training/commands/enroll-in-training/enroll-in-training.input';
export type { RecordAttendanceInput } from '../../../../libs/training/src/training/commands/record-attendance/record-attendance.input';
export type { ScheduleTrainingInput } from '../../../../libs/training/src/training/commands/schedule-training/schedule-training.input';
