import type { DomainEvent } from '@kam/kernel';

export type TeamFormed = DomainEvent<'TeamFormed', { teamId: string; name: string; supervisorId: string }>;
export type TeamRenamed = DomainEvent<'TeamRenamed', { teamId: string; name: string }>;
export type TeamSupervisorChanged = DomainEvent<
  'TeamSupervisorChanged',
  { teamId: string; supervisorId: string; previousSupervisorId: string }
>;

export type TeamEvent = TeamFormed | TeamRenamed | TeamSupervisorChanged;
