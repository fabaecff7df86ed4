export * from './contract';
export * from './esdb-double';
