import { Injectable } from '@nestjs/common';
import { ForbiddenError, NotFoundError, streamIdOf } from '@kam/kernel';
import { CommandExecutor } from '@kam/event-store';
import type { Actor } from '@kam/graphql';
import { repDecider, teamDecider } from '@kam/org';
import { accountDecider, dealDecider } from '@kam/sales';
import { trainingDecider } from '@kam/training';

type Input = Record<string, unknown>;
type Rule = (actor: Actor, input: Input, facts: WriteFacts) => Promise<void>;

/** Looks up, on the write side (the streams themselves), what a policy needs to know. */
export class WriteFacts {
  constructor(private readonly executor: CommandExecutor) {}

  async teamOfRep(repId: string): Promise<string | undefined> {
    const { state } = await this.executor.with(repDecider).loadState(streamIdOf('rep', repId));
    return state.exists ? state.teamId : undefined;
  }

  async supervisorOfTeam(teamId: string): Promise<string | undefined> {
    const { state } = await this.executor.with(teamDecider).loadState(streamIdOf('team', teamId));
    return state.exists ? state.supervisorId : undefined;
  }

  async ownerOfAccount(accountId: string): Promise<string | undefined> {
    const { state } = await this.executor.with(accountDecider).loadState(streamIdOf('account', accountId));
    return state.exists ? state.ownerRepId : undefined;
  }

  async repOfDeal(dealId: string): Promise<string | undefined> {
    const { state } = await this.executor.with(dealDecider).loadState(streamIdOf('deal', dealId));
    return state.exists ? state.repId : undefined;
  }

  async trainerOfSession(sessionId: string): Promise<string | undefined> {
    const { state } = await this.executor.with(trainingDecider).loadState(streamIdOf('training', sessionId));
    return state.exists ? state.trainerId : undefined;
  }
}

function str(input: Input, field: string): string {
  const value = input[field];
  return typeof value === 'string' ? value : '';
}

/** A rep is within reach when it is the REP themself or in a team the SUPERVISOR supervises. */
async function assertRepInReach(actor: Actor, repId: string, facts: WriteFacts): Promise<void> {
  if (actor.role === 'REP' && repId === actor.sub) return;
  if (actor.role === 'SUPERVISOR') {
    const teamId = await facts.teamOfRep(repId);
    if (teamId && (await facts.supervisorOfTeam(teamId)) === actor.sub) return;
  }
  // Out of reach reads exactly like a missing rep: nothing leaks.
  throw new NotFoundError('Rep', repId);
}

async function assertDealInReach(actor: Actor, dealId: string, facts: WriteFacts): Promise<void> {
  const repId = await facts.repOfDeal(dealId);
  if (!repId) return; // the handler answers NOT_FOUND for a missing deal
  await assertRepInReach(actor, repId, facts).catch(() => {
    throw new NotFoundError('Deal', dealId);
  });
}

async function assertAccountInReach(actor: Actor, accountId: string, facts: WriteFacts): Promise<void> {
  const owner = await facts.ownerOfAccount(accountId);
  if (!owner) return;
  await assertRepInReach(actor, owner, facts).catch(() => {
    throw new NotFoundError('Account', accountId);
  });
}

async function assertSessionRunBy(actor: Actor, sessionId: string, facts: WriteFacts): Promise<void> {
  const trainer = await facts.trainerOfSession(sessionId);
  if (!trainer) return;
  if (trainer !== actor.sub) throw new NotFoundError('TrainingSession', sessionId);
}

const adminOnly: Rule = async () => {
  throw new ForbiddenError('Only ADMIN may do this');
};

function forRoles(rules: Partial<Record<'SUPERVISOR' | 'REP', Rule>>): Rule {
  return async (actor, input, facts) => {
    const rule = actor.role === 'SUPERVISOR' || actor.role === 'REP' ? rules[actor.role] : undefined;
    if (!rule) throw new ForbiddenError(`${actor.role} may not do this`);
    await rule(actor, input, facts);
  };
}

const dealWork = forRoles({
  SUPERVISOR: (a, i, f) => assertDealInReach(a, str(i, 'dealId'), f),
  REP: (a, i, f) => assertDealInReach(a, str(i, 'dealId'), f),
});

/**
 * Who may run which mutation (product.md §5), in one table. ADMIN may do everything and BI_READER
 * nothing; a mutation missing from this table is refused, so a new one cannot slip through.
 */
export const WRITE_RULES: Readonly<Record<string, Rule>> = {
  formTeam: adminOnly,
  renameTeam: adminOnly,
  changeTeamSupervisor: adminOnly,
  hireRep: adminOnly,
  transferRep: adminOnly,
  setRepQuota: adminOnly,
  offboardRep: adminOnly,
  changeRepChannel: forRoles({ SUPERVISOR: (a, i, f) => assertRepInReach(a, str(i, 'repId'), f) }),
  registerAccount: forRoles({
    SUPERVISOR: (a, i, f) => assertRepInReach(a, str(i, 'ownerRepId'), f),
    REP: (a, i, f) => assertRepInReach(a, str(i, 'ownerRepId'), f),
  }),
  reassignAccount: forRoles({
    SUPERVISOR: async (a, i, f) => {
      await assertAccountInReach(a, str(i, 'accountId'), f);
      await assertRepInReach(a, str(i, 'ownerRepId'), f);
    },
  }),
  openDeal: forRoles({
    SUPERVISOR: async (a, i, f) => {
      await assertRepInReach(a, str(i, 'repId'), f);
      await assertAccountInReach(a, str(i, 'accountId'), f);
    },
    REP: async (a, i, f) => {
      await assertRepInReach(a, str(i, 'repId'), f);
      await assertAccountInReach(a, str(i, 'accountId'), f);
    },
  }),
  advanceDeal: dealWork,
  reviseDealValue: dealWork,
  rescheduleDeal: dealWork,
  changeDealChannel: dealWork,
  recordCompetitor: dealWork,
  winDeal: dealWork,
  loseDeal: dealWork,
  recordFulfilment: dealWork,
  reassignDeal: forRoles({
    SUPERVISOR: async (a, i, f) => {
      await assertDealInReach(a, str(i, 'dealId'), f);
      await assertRepInReach(a, str(i, 'repId'), f);
    },
  }),
  scheduleTraining: forRoles({
    SUPERVISOR: async (a, i) => {
      if (str(i, 'trainerId') !== a.sub) throw new ForbiddenError('A supervisor schedules trainings they run (trainerId = you)');
    },
  }),
  enrollInTraining: forRoles({
    SUPERVISOR: async (a, i, f) => {
      await assertSessionRunBy(a, str(i, 'sessionId'), f);
      const repIds = Array.isArray(i.repIds) ? (i.repIds as unknown[]) : [];
      for (const repId of repIds) await assertRepInReach(a, String(repId), f);
    },
  }),
  recordAttendance: forRoles({ SUPERVISOR: (a, i, f) => assertSessionRunBy(a, str(i, 'sessionId'), f) }),
  completeTraining: forRoles({ SUPERVISOR: (a, i, f) => assertSessionRunBy(a, str(i, 'sessionId'), f) }),
  cancelTraining: forRoles({ SUPERVISOR: (a, i, f) => assertSessionRunBy(a, str(i, 'sessionId'), f) }),
};

@Injectable()
export class WritePolicy {
  private readonly facts: WriteFacts;

  constructor(executor: CommandExecutor) {
    this.facts = new WriteFacts(executor);
  }

  async authorize(actor: Actor, mutation: string, input: Input): Promise<void> {
    if (actor.role === 'ADMIN') return;
    if (actor.role === 'BI_READER') throw new ForbiddenError('BI_READER reads everything and writes nothing');
    const rule = WRITE_RULES[mutation];
    if (!rule) throw new ForbiddenError(`No write rule for ${mutation}`);
    await rule(actor, input, this.facts);
  }
}
