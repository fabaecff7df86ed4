import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Length, Min } from 'class-validator';
import { ForbiddenError } from '@kam/kernel';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { Actor } from './actor';
import { DateTimeScalar } from './scalars';

@ObjectType({ description: 'What every mutation returns.' })
export class MutationResult {
  @Field(() => ID)
  id!: string;
  @Field(() => Int, { description: 'Stream revision after the write.' })
  revision!: number;
  @Field({ description: 'Global log position of the last event written; pass it as atLeastPosition to read your write.' })
  position!: string;

  static of(result: CommandResult): MutationResult {
    return Object.assign(new MutationResult(), result);
  }
}

/** Fields every mutation input has (product.md §4). */
@InputType({ isAbstract: true })
export abstract class CommandInput {
  @Field(() => ID, { nullable: true, description: 'Idempotency key: a repeat returns the first result and appends nothing.' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  commandId?: string;

  @Field(() => Int, { nullable: true, description: 'Optimistic concurrency: the stream revision you read.' })
  @IsOptional()
  @IsInt()
  @Min(-1)
  expectedRevision?: number;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Business time (ADMIN only, history import); default now.' })
  @IsOptional()
  occurredAt?: string;
}

/** The command envelope for an input and a caller: the one place that maps edge fields to the write side. */
export function envelopeOf(input: CommandInput, actor: Actor): CommandEnvelope {
  if (input.occurredAt && actor.role !== 'ADMIN') {
    throw new ForbiddenError('Only ADMIN may set occurredAt (history import)');
  }
  return {
    actor: actor.sub,
    commandId: input.commandId ?? undefined,
    expectedRevision: input.expectedRevision ?? undefined,
    occurredAt: input.occurredAt ?? undefined,
  };
}
