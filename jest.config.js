// Tiers by file name (style guide): *.spec.ts unit, *.int-spec.ts real database/server,
// *.e2e-spec.ts the API over HTTP. EventStoreDB variants live in files named *esdb*.
const { base } = require('./jest.base');

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'int',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, 'esdb'],
    },
    { ...base, displayName: 'esdb', testMatch: ['<rootDir>/{apps,libs,test}/**/*esdb*.int-spec.ts', '<rootDir>/{apps,libs,test}/**/*esdb*.e2e-spec.ts'] },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,test}/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, 'esdb'],
    },
  ],
};
