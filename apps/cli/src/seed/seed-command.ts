import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { Command } from '@nestjs/cqrs';
import {
  AdvanceDealCommand,
  CancelTrainingCommand,
  ChangeDealChannelCommand,
  ChangeRepChannelCommand,
  ChangeTeamSupervisorCommand,
  CompleteTrainingCommand,
  EnrollInTrainingCommand,
  FormTeamCommand,
  HireRepCommand,
  LoseDealCommand,
  OffboardRepCommand,
  OpenDealCommand,
  ReassignAccountCommand,
  ReassignDealCommand,
  RecordAttendanceCommand,
  RecordCompetitorCommand,
  RecordFulfilmentCommand,
  RegisterAccountCommand,
  RenameTeamCommand,
  RescheduleDealCommand,
  ReviseDealValueCommand,
  ScheduleTrainingCommand,
  SetRepQuotaCommand,
  TransferRepCommand,
  WinDealCommand,
  type AdvanceDealInput,
  type CancelTrainingInput,
  type ChangeDealChannelInput,
  type ChangeRepChannelInput,
  type ChangeTeamSupervisorInput,
  type CompleteTrainingInput,
  type EnrollInTrainingInput,
  type FormTeamInput,
  type HireRepInput,
  type LoseDealInput,
  type OffboardRepInput,
  type OpenDealInput,
  type ReassignAccountInput,
  type ReassignDealInput,
  type RecordAttendanceInput,
  type RecordCompetitorInput,
  type RecordFulfilmentInput,
  type RegisterAccountInput,
  type RenameTeamInput,
  type RescheduleDealInput,
  type ReviseDealValueInput,
  type ScheduleTrainingInput,
  type SetRepQuotaInput,
  type TransferRepInput,
  type WinDealInput,
} from './commands';

type Factory<Input> = (input: Input, envelope: CommandEnvelope) => Command<CommandResult>;

/** Each generated command type → the real command class its handler is registered for. */
export const COMMAND_FACTORIES = {
  FormTeam: ((i, e) => new FormTeamCommand(i, e)) as Factory<FormTeamInput>,
  RenameTeam: ((i, e) => new RenameTeamCommand(i, e)) as Factory<RenameTeamInput>,
  ChangeTeamSupervisor: ((i, e) =>
    new ChangeTeamSupervisorCommand(i, e)) as Factory<ChangeTeamSupervisorInput>,
  HireRep: ((i, e) => new HireRepCommand(i, e)) as Factory<HireRepInput>,
  TransferRep: ((i, e) => new TransferRepCommand(i, e)) as Factory<TransferRepInput>,
  ChangeRepChannel: ((i, e) => new ChangeRepChannelCommand(i, e)) as Factory<ChangeRepChannelInput>,
  SetRepQuota: ((i, e) => new SetRepQuotaCommand(i, e)) as Factory<SetRepQuotaInput>,
  OffboardRep: ((i, e) => new OffboardRepCommand(i, e)) as Factory<OffboardRepInput>,
  RegisterAccount: ((i, e) => new RegisterAccountCommand(i, e)) as Factory<RegisterAccountInput>,
  ReassignAccount: ((i, e) => new ReassignAccountCommand(i, e)) as Factory<ReassignAccountInput>,
  OpenDeal: ((i, e) => new OpenDealCommand(i, e)) as Factory<OpenDealInput>,
  AdvanceDeal: ((i, e) => new AdvanceDealCommand(i, e)) as Factory<AdvanceDealInput>,
  ReviseDealValue: ((i, e) => new ReviseDealValueCommand(i, e)) as Factory<ReviseDealValueInput>,
  RescheduleDeal: ((i, e) => new RescheduleDealCommand(i, e)) as Factory<RescheduleDealInput>,
  ReassignDeal: ((i, e) => new ReassignDealCommand(i, e)) as Factory<ReassignDealInput>,
  ChangeDealChannel: ((i, e) => new ChangeDealChannelCommand(i, e)) as Factory<ChangeDealChannelInput>,
  RecordCompetitor: ((i, e) => new RecordCompetitorCommand(i, e)) as Factory<RecordCompetitorInput>,
  WinDeal: ((i, e) => new WinDealCommand(i, e)) as Factory<WinDealInput>,
  LoseDeal: ((i, e) => new LoseDealCommand(i, e)) as Factory<LoseDealInput>,
  RecordFulfilment: ((i, e) => new RecordFulfilmentCommand(i, e)) as Factory<RecordFulfilmentInput>,
  ScheduleTraining: ((i, e) => new ScheduleTrainingCommand(i, e)) as Factory<ScheduleTrainingInput>,
  EnrollInTraining: ((i, e) => new EnrollInTrainingCommand(i, e)) as Factory<EnrollInTrainingInput>,
  RecordAttendance: ((i, e) => new RecordAttendanceCommand(i, e)) as Factory<RecordAttendanceInput>,
  CompleteTraining: ((i, e) => new CompleteTrainingCommand(i, e)) as Factory<CompleteTrainingInput>,
  CancelTraining: ((i, e) => new CancelTrainingCommand(i, e)) as Factory<CancelTrainingInput>,
};

export type SeedCommandType = keyof typeof COMMAND_FACTORIES;

type InputOf<T extends SeedCommandType> = Parameters<(typeof COMMAND_FACTORIES)[T]>[0];

/** Keys of a command that must wait for everything before it and block everything after it. */
export const BARRIER = '*';

/**
 * One generated command: the use case, its input (money in minor units, as the GraphQL scalar
 * hands it to the handler), its business time, a command id drawn from the seed, and the streams
 * it reads or writes (`keys`), so independent commands may run concurrently in per-stream order.
 */
export type SeedCommand = {
  [T in SeedCommandType]: {
    type: T;
    input: InputOf<T>;
    /** Business time, epoch ms. */
    at: number;
    commandId: string;
    /** The stream the command writes (for counting events by revision). */
    stream: string;
    /** Streams it reads or writes; `[BARRIER]` for commands that read across the whole log. */
    keys: string[];
    /** Other streams the handler appends one event to (an offboarding reassigns the rep's open deals). */
    sideStreams?: string[];
  };
}[SeedCommandType];

export function toBusCommand(command: SeedCommand, actor: string): Command<CommandResult> {
  const envelope: CommandEnvelope = {
    actor,
    commandId: command.commandId,
    occurredAt: new Date(command.at).toISOString(),
  };
  const factory = COMMAND_FACTORIES[command.type] as Factory<SeedCommand['input']>;
  return factory(command.input, envelope);
}
