const jestJupyterLab = require('@jupyterlab/testutils/lib/jest-config');

// ESM-only packages that jest must transform.
const esModules = [
  '@codemirror',
  '@jupyter/ydoc',
  '@jupyter/react-components',
  '@jupyter/web-components',
  '@microsoft/fast',
  '@lezer',
  '@jupyterlab/',
  '@marijn',
  '@microsoft',
  'color',
  'marked',
  'exenv-es6',
  'lib0',
  'nanoid',
  'vscode-ws-jsonrpc',
  'y-protocols',
  'y-websocket',
  'yjs'
].join('|');

const baseConfig = jestJupyterLab(__dirname);

module.exports = {
  ...baseConfig,
  reporters: ['default'],
  moduleFileExtensions: [...baseConfig.moduleFileExtensions, 'py'],
  moduleNameMapper: {
    ...baseConfig.moduleNameMapper,
    // isomorphic-git's ESM entry is not transformable by babel-jest; its CJS build is the same code.
    '^isomorphic-git$': '<rootDir>/node_modules/isomorphic-git/index.cjs'
  },
  transform: {
    // The kernel tracer is Python source shipped in the bundle as a string.
    '\\.py$': '@jupyterlab/testing/lib/jest-raw-loader.js',
    ...baseConfig.transform
  },
  automock: false,
  collectCoverageFrom: ['src/**/*.{ts,tsx}', '!src/**/*.d.ts', '!src/**/.ipynb_checkpoints/*'],
  coverageReporters: ['lcov', 'text'],
  testRegex: 'src/.*\.spec\.tsx?$',
  modulePathIgnorePatterns: ['<rootDir>/jupyterlab_retrace/labextension', '<rootDir>/ui-tests', '<rootDir>/.venv'],
  transformIgnorePatterns: [`/node_modules/(?!${esModules}).+`]
};
