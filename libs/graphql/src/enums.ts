import { registerEnumType } from '@nestjs/graphql';
import { DEAL_STAGES, LOSS_REASONS, ROLES, SALES_CHANNELS, SKILLS, TRAINING_STATUSES } from '@kam/kernel';

function enumObject<T extends string>(values: readonly T[]): { [K in T]: K } {
  return Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };
}

/** The contract's GraphQL enums, backed by the kernel's value lists (names are public). */
export const SalesChannelEnum = enumObject(SALES_CHANNELS);
export const DealStageEnum = enumObject(DEAL_STAGES);
export const LossReasonEnum = enumObject(LOSS_REASONS);
export const SkillEnum = enumObject(SKILLS);
export const RoleEnum = enumObject(ROLES);
export const TrainingStatusEnum = enumObject(TRAINING_STATUSES);
export const KeyAccountTierEnum = enumObject(['A', 'B', 'C'] as const);
export const LeaderboardMetricEnum = enumObject(['WON_VALUE', 'WON_COUNT', 'WIN_RATE', 'QUOTA_ATTAINMENT'] as const);

registerEnumType(SalesChannelEnum, { name: 'SalesChannel' });
registerEnumType(DealStageEnum, { name: 'DealStage' });
registerEnumType(LossReasonEnum, { name: 'LossReason' });
registerEnumType(SkillEnum, { name: 'Skill' });
registerEnumType(RoleEnum, { name: 'Role' });
registerEnumType(TrainingStatusEnum, { name: 'TrainingStatus' });
registerEnumType(KeyAccountTierEnum, { name: 'KeyAccountTier' });
registerEnumType(LeaderboardMetricEnum, { name: 'LeaderboardMetric' });
