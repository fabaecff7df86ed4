export * from './scalars';
export * from './enums';
export * from './mutation';
export * from './actor';
export * from './connection';
export * from './scope';
export * from './per-request';
