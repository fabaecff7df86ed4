// Shared Jest settings: swc for TypeScript and for NestJS 12's ESM-only packages, path aliases.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const moduleNameMapper = {
  '^@kam/event-store/testing$': '<rootDir>/libs/event-store/src/testing',
  '^@kam/kernel/testing$': '<rootDir>/libs/kernel/src/testing',
  '^@kam/api$': '<rootDir>/apps/api/src',
  '^@kam/sales/upcasters$': '<rootDir>/libs/sales/src/upcasters',
  '^@kam/event-store/esdb$': '<rootDir>/libs/event-store/src/esdb',
  '^@kam/reporting/projections$': '<rootDir>/libs/reporting/src/projections',
  '^@kam/(.*)$': '<rootDir>/libs/$1/src',
};
const base = {
  rootDir: __dirname,
  transform: { '^.+\\.(t|j)s$': swc, '^.+\\.mjs$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // NestJS 12 ships ESM only; Node 20's require(esm) is not available inside Jest's module
  // system, so those packages are compiled to CommonJS by swc like our own code.
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|content-disposition|file-type|strtok3|token-types|@tokenizer|@borewit|uint8array-extras|jose|graphql-ws|uid|load-esm|cookie|set-cookie-parser|toad-cache|tiny-lru|quick-lru|graphql-scalars|cross-inspect|@graphql-tools|@whatwg-node)/)'],
};
module.exports = { base };
