import { Global, Module, type DynamicModule } from '@nestjs/common';
import { QUERY_CACHE, QueryCache, projectionStateVersion, type QueryCacheOptions, type VersionedReadStore } from './query-cache';

/** Provides the QueryCache to every resolver (global); without this module resolvers compute every answer. */
@Global()
@Module({})
export class QueryCacheModule {
  static forRoot(readStore: VersionedReadStore, projectionNames: readonly string[], options: QueryCacheOptions = {}): DynamicModule {
    return {
      module: QueryCacheModule,
      providers: [{ provide: QUERY_CACHE, useValue: new QueryCache(projectionStateVersion(readStore, projectionNames), options) }],
      exports: [QUERY_CACHE],
    };
  }
}
