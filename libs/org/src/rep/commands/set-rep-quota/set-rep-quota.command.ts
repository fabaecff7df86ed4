import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { SetRepQuotaInput } from './set-rep-quota.input';

export class SetRepQuotaCommand extends Command<CommandResult> {
  constructor(
    readonly input: SetRepQuotaInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
