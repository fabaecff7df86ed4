import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { RegisterAccountInput } from './register-account.input';

export class RegisterAccountCommand extends Command<CommandResult> {
  constructor(
    readonly input: RegisterAccountInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
