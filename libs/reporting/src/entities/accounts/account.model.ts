import { Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { Connection } from '@kam/graphql';

@ObjectType('Account', { description: 'A client account, owned by one rep.' })
export class AccountModel {
  @Field(() => ID)
  id!: string;
  @Field(() => Int, { description: 'Revision of the account stream at the last event applied.' })
  revision!: number;
  @Field()
  name!: string;
  @Field(() => String, { nullable: true })
  taxId!: string | null;
  @Field(() => String, { nullable: true })
  industry!: string | null;
  @Field(() => ID)
  ownerRepId!: string;
}

export const AccountConnection = Connection(AccountModel, 'Account');

@InputType('AccountFilter')
export class AccountFilterInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  ownerRepId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Accounts whose owner is currently in this team.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  teamId?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  nameContains?: string | null;
}
