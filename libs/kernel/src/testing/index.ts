// Test-only helpers (`@kam/kernel/testing`); excluded from the production build.
export * from './given-when-then';
export * from './metadata';
