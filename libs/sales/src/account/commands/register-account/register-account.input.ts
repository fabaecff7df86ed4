import { Field, ID, InputType } from '@nestjs/graphql';
import { IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { CommandInput } from '@kam/graphql';

@InputType()
export class RegisterAccountInput extends CommandInput {
  @Field(() => ID, {
    nullable: true,
    description: 'Id for the new account (UUID); the server makes one when omitted.',
  })
  @IsOptional()
  @IsUUID()
  accountId?: string | null;

  @Field()
  @IsString()
  @Length(1, 200)
  name!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  taxId?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  industry?: string | null;

  @Field(() => ID, { description: 'The rep who owns the account.' })
  @IsUUID()
  ownerRepId!: string;
}
