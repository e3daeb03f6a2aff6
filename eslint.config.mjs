import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/**', 'jupyterlab_retrace/labextension/**', 'node_modules/**', 'ui-tests/**', '.venv/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }],
      '@typescript-eslint/no-namespace': 'off',
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'all'],
      'prefer-const': 'error'
    }
  },
  {
    // The engines stay free of UI packages so they run and benchmark in plain Node.
    files: ['src/analysis/**/*.ts', 'src/history/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['@jupyterlab/*', '@lumino/widgets', 'react', 'react-dom'] }]
    }
  }
);
