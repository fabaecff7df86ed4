// The reliability tier (npm run test:reliability): crash, race, retry, fuzz and outage tests that
// drive the real service; kept out of the fast suite and run in band.
const { base } = require('./jest.base');

module.exports = {
  ...base,
  displayName: 'reliability',
  testMatch: ['<rootDir>/test/reliability/**/*.reliability-spec.ts'],
  testTimeout: 120_000,
};
