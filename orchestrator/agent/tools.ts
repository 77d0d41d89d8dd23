// The agent's tools (list, read, grep, profile, edit, run workload, run tests, finish): their specs and input schemas.
import { z } from 'zod';
import type { ToolSpec } from './tool-model.js';

export const toolInputs = {
  list_files: z.object({ path: z.string().default('.') }),
  read_file: z.object({
    path: z.string().min(1),
    start_line: z.number().int().positive().optional(),
    end_line: z.number().int().positive().optional(),
  }),
  grep: z.object({ pattern: z.string().min(1), path: z.string().default('.') }),
  profile_workload: z.object({ top: z.number().int().positive().max(100).default(25) }),
  edit_file: z.object({ path: z.string().min(1), old_text: z.string(), new_text: z.string() }),
  run_workload: z.object({}),
  run_tests: z.object({ tests: z.array(z.string()).optional() }),
  finish: z.object({ summary: z.string().min(1) }),
} as const;

export type ToolName = keyof typeof toolInputs;

export const TOOL_SPECS: ToolSpec[] = [
  {
    name: 'list_files',
    description: 'List the files of the repository under a folder (tracked and new files).',
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string', description: 'folder, default "."' } },
    },
  },
  {
    name: 'read_file',
    description: 'Read a file with line numbers; give start_line/end_line (1-based, inclusive) for a range.',
    input_schema: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        start_line: { type: 'integer' },
        end_line: { type: 'integer' },
      },
      required: ['path'],
    },
  },
  {
    name: 'grep',
    description: 'Search the repository for an extended regular expression; prints file:line:text.',
    input_schema: {
      type: 'object',
      properties: {
        pattern: { type: 'string' },
        path: { type: 'string', description: 'folder or file, default "."' },
      },
      required: ['pattern'],
    },
  },
  {
    name: 'profile_workload',
    description: 'Run the workload once under cProfile and list the top functions by cumulative time.',
    input_schema: {
      type: 'object',
      properties: { top: { type: 'integer', description: 'how many rows (default 25)' } },
    },
  },
  {
    name: 'edit_file',
    description:
      'Replace old_text by new_text in a file; old_text must occur exactly once. An empty old_text creates a new file.',
    input_schema: {
      type: 'object',
      properties: { path: { type: 'string' }, old_text: { type: 'string' }, new_text: { type: 'string' } },
      required: ['path', 'old_text', 'new_text'],
    },
  },
  {
    name: 'run_workload',
    description:
      'Run the timed workload (every repeat in a fresh process) and print its Mean and Std Dev in seconds.',
    input_schema: { type: 'object', properties: {} },
  },
  {
    name: 'run_tests',
    description: 'Run test files or test ids with the instance test command (default: the covering tests).',
    input_schema: { type: 'object', properties: { tests: { type: 'array', items: { type: 'string' } } } },
  },
  {
    name: 'finish',
    description: 'Stop: your edits are the candidate patch. Summarise what you changed and why it is faster.',
    input_schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
  },
];
