// isomorphic-git expects Node's Buffer as a global; the JupyterLab builder
// provides neither the global nor a fallback, so we inject the `buffer` package.
const { ProvidePlugin } = require('@rspack/core');

module.exports = {
  plugins: [new ProvidePlugin({ Buffer: ['buffer', 'Buffer'] })]
};
