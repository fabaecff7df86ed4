import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { RecordCompetitorInput } from './record-competitor.input';

export class RecordCompetitorCommand extends Command<CommandResult> {
  constructor(
    readonly input: RecordCompetitorInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
