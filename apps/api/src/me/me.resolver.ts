import { Field, ID, ObjectType, Query, Resolver } from '@nestjs/graphql';
import type { Role } from '@kam/kernel';
import { CurrentActor, RoleEnum, type Actor } from '@kam/graphql';

@ObjectType('Me', { description: 'The authenticated caller.' })
export class MeModel {
  @Field(() => ID, { description: 'Token subject.' })
  sub!: string;
  @Field(() => RoleEnum)
  role!: Role;
}

@Resolver(() => MeModel)
export class MeResolver {
  @Query(() => MeModel, { description: 'Who the token says you are.' })
  me(@CurrentActor() actor: Actor): MeModel {
    return Object.assign(new MeModel(), { sub: actor.sub, role: actor.role });
  }
}
