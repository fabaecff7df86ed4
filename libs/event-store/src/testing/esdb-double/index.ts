export { startEsdbDouble } from './esdb-double';
export type { EsdbDouble, EsdbDoubleOptions } from './esdb-double';
export type { DoubleEvent } from './esdb-double-log';
