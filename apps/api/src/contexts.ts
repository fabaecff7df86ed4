import type { DynamicModule, Type } from '@nestjs/common';
import { SalesModule } from '@kam/sales';
import { OrgModule } from '@kam/org';
import { TrainingModule } from '@kam/training';
import { RepDealsWiringModule } from './wiring/rep-deals.module';

/** The bounded contexts served by the API, each through its own Nest module. */
export function contextModules(): Array<Type<unknown> | DynamicModule> {
  return [SalesModule, OrgModule, TrainingModule, RepDealsWiringModule];
}
