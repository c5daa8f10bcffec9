import base from './jest.config.js';

/** Long crash, chaos, leak and multi-instance runs: `npm run test:chaos`. */
export default {
  ...base,
  testMatch: ['<rootDir>/test/chaos/**/*.spec.ts', '<rootDir>/test/cluster/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 600000,
};
