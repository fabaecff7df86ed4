import type { DynamicModule, Type } from '@nestjs/common';

/** The bounded contexts served by the API, each through its own Nest module. */
export function contextModules(): Array<Type<unknown> | DynamicModule> {
  return [];
}
