// isomorphic-git expects Node's Buffer as a global; the JupyterLab builder
// provides neither the global nor a fallback, so we inject the `buffer` package.
const { ProvidePlugin } = require('@rspack/core');

module.exports = {
  // The kernel tracer (src/kernel/*.py) is sent to the kernel as source text.
  module: { rules: [{ test: /\.py$/, type: 'asset/source' }] },
  plugins: [new ProvidePlugin({ Buffer: ['buffer', 'Buffer'] })]
};
