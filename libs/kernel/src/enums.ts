/** The contract's enums (product.md §2) as string unions plus runtime value lists. */
export const SALES_CHANNELS = ['FIELD', 'INSIDE', 'ONLINE', 'PARTNER', 'TENDER'] as const;
export type SalesChannel = (typeof SALES_CHANNELS)[number];

export const DEAL_STAGES = ['PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION', 'WON', 'LOST'] as const;
export type DealStage = (typeof DEAL_STAGES)[number];

export const OPEN_DEAL_STAGES = ['PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION'] as const;
export type OpenDealStage = (typeof OPEN_DEAL_STAGES)[number];

/** Weighted-pipeline probability of each open stage, in stage order (product.md §2). */
export const STAGE_PROBABILITY: Readonly<Record<OpenDealStage, number>> = {
  PROSPECTING: 0.1,
  QUALIFICATION: 0.25,
  PROPOSAL: 0.5,
  NEGOTIATION: 0.75,
};

export function isOpenStage(stage: DealStage): stage is OpenDealStage {
  return stage !== 'WON' && stage !== 'LOST';
}

export const LOSS_REASONS = ['PRICE', 'PRODUCT_FIT', 'COMPETITOR', 'TIMING', 'NO_DECISION', 'OTHER'] as const;
export type LossReason = (typeof LOSS_REASONS)[number];

export const SKILLS = [
  'NEGOTIATION',
  'PRODUCT_KNOWLEDGE',
  'COMMUNICATION',
  'PROSPECTING',
  'KEY_ACCOUNT_PLANNING',
  'STRESS_RESILIENCE',
] as const;
export type Skill = (typeof SKILLS)[number];

export const ROLES = ['ADMIN', 'SUPERVISOR', 'REP', 'BI_READER'] as const;
export type Role = (typeof ROLES)[number];

export const TRAINING_STATUSES = ['SCHEDULED', 'COMPLETED', 'CANCELLED'] as const;
export type TrainingStatus = (typeof TRAINING_STATUSES)[number];
