// Every shared sandbox conformance case (issue 19), registered against one target: files, misbehaving programs, trust.
import { describe } from 'vitest';
import type { Sandbox } from '../../sandboxes/types.js';
import { fileCases } from './file-cases.js';
import { misbehavingCases } from './misbehaving-cases.js';
import { harness, type ConformanceTarget } from './target.js';
import { trustCases } from './trust-cases.js';

export type { ConformanceTarget } from './target.js';

/** Registers all shared cases in the calling describe block. */
export function conformanceCases<S extends Sandbox>(target: ConformanceTarget<S>): void {
  const h = harness(target);
  describe('the basic surface', () => fileCases(h, target));
  describe('misbehaving programs end as results, contained', () => misbehavingCases(h, target));
  describe('trust domains and the disk cap', () => trustCases(h, target.isCandidateUid));
}
