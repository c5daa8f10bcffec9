import base from './jest.config.js';

/** Long crash, chaos and leak runs: `npm run test:chaos`. */
export default {
  ...base,
  testMatch: ['<rootDir>/test/chaos/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 600000,
};
