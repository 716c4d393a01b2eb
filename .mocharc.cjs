// One mocha run covers every package's tests; TypeScript runs through tsx.
module.exports = {
  'node-option': ['import=tsx'],
  spec: ['shared/test/**/*.test.ts', 'backend/test/**/*.test.ts', 'extension/test/**/*.test.ts', 'webview-ui/test/**/*.test.ts', 'test/faults/**/*.test.ts', 'test/quickstart/**/*.test.ts', 'bench/test/**/*.test.ts'],
  timeout: 20000,
  exit: true,
};
