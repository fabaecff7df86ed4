import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('Team', { description: 'A team of reps under one supervising KAM.' })
export class TeamModel {
  @Field(() => ID)
  id!: string;
  @Field(() => Int, { description: 'Revision of the team stream at the last event applied.' })
  revision!: number;
  @Field()
  name!: string;
  @Field(() => ID, { description: 'Token subject of the supervising KAM.' })
  supervisorId!: string;
}
