// One linter. Besides the usual rules it keeps the layer direction of ARCHITECTURE.md:
// cli -> orchestrator -> {evaluators, problems} -> sandboxes -> core; web reads the store only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Forbid imports of the named top-level folders from files under `files`. */
function layer(files, forbidden, why) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((dir) => ({
            group: [`**/${dir}/**`, `../${dir}/*`, `../../${dir}/*`, `../../../${dir}/*`],
            message: `${why} (see ARCHITECTURE.md, "Layers").`,
          })),
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.adrs/**',
      'bench/out/**',
      'test/fixtures/**',
      'problems/*/**/*.js',
    ],
  },
  js.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Type-aware rules read the types of every TypeScript file, tests and benches included.
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // Tests and benches read JSON that the code under test wrote (CLI output, HTTP bodies, files); the
    // expect() on each field is the check there, so the no-unsafe-* rules (about flows of `any`) would
    // only ask for casts. Every other type-aware rule holds for them too.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes implement async interfaces without awaiting anything; an async body is the clearest fake.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  layer(
    ['core/**/*.ts'],
    ['orchestrator', 'evaluators', 'problems', 'sandboxes', 'web'],
    'core imports no other layer',
  ),
  layer(
    ['sandboxes/**/*.ts'],
    ['orchestrator', 'evaluators', 'problems', 'web'],
    'sandboxes import only core',
  ),
  layer(
    ['evaluators/**/*.ts'],
    ['orchestrator', 'problems', 'web'],
    'evaluators import only sandboxes and core',
  ),
  layer(
    ['problems/**/*.ts'],
    ['orchestrator', 'evaluators', 'web'],
    'problems import only sandboxes and core',
  ),
  layer(
    ['orchestrator/**/*.ts'],
    ['web'],
    'the orchestrator never imports the web layer; web subscribes to it',
  ),
  // The CLI is the top layer: it may start the web server (adrs serve).
  { files: ['orchestrator/cli/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/orchestrator/loop/**',
                '**/orchestrator/proposers/**',
                '**/evaluators/**',
                '**/sandboxes/**',
              ],
              message:
                'web reads the store and listens to events; it never evaluates or proposes (ARCHITECTURE.md).',
            },
          ],
        },
      ],
    },
  },
);
