// Shapes of the program database: its configuration, one program's entry, and the serialisable state.
import type { Objective } from './pareto.js';
import type { RngState } from './rng.js';

export interface PopulationConfig {
  islands: number;
  /** MAP-Elites feature dimensions: 'complexity' (code length), 'diversity' (mean edit distance), 'score', or a metric name. */
  dims: string[];
  /** Bins per dimension. */
  bins: number;
  /** Size of the global elite archive. */
  archiveSize: number;
  /** Programs kept per island before the worst unprotected one is dropped from sampling (the store keeps all). */
  islandCapacity: number;
  /** Parent selection mix; normalised, so only ratios matter. */
  selection: { exploration: number; exploitation: number; fitness: number };
  inspirations: { top: number; diverse: number };
  /** Island generations between ring migrations; 0 disables migration. */
  migrationInterval: number;
  /** Top fraction of an island's own programs that migrate. */
  migrationFraction: number;
  /** Programs compared against when computing the diversity feature. */
  diversityRefs: number;
  /**
   * Objectives of a multi-objective problem (problem.yaml `objectives:`): with two or more, parents are chosen by
   * Pareto rank and crowding distance instead of the primary score. Absent or one: single-score selection.
   */
  objectives?: Objective[];
}

export const DEFAULT_POPULATION: PopulationConfig = {
  islands: 3,
  dims: ['complexity', 'diversity'],
  bins: 10,
  archiveSize: 50,
  islandCapacity: 300,
  selection: { exploration: 0.2, exploitation: 0.7, fitness: 0.1 },
  inspirations: { top: 2, diverse: 2 },
  migrationInterval: 20,
  migrationFraction: 0.1,
  diversityRefs: 4,
};

/** What the database knows about one evaluated program (its code stays in the store). */
export interface ProgramEntry {
  id: string;
  /** Primary score (higher is better); null when incorrect or failed. */
  score: number | null;
  correct: boolean;
  /** Raw feature values by dimension name (binned against the running min/max). */
  features: Record<string, number>;
  /** The island it was born on. */
  island: number;
  parentId: string | null;
  iteration: number;
  generation: number;
  /** sha256 of the evolved files, so identical code is never placed twice on an island. */
  codeHash: string;
  children: number;
  /** Raw values of the problem's objectives (multi-objective problems only, correct programs only). */
  objectives?: Record<string, number>;
}

export interface IslandState {
  /** Program ids sampled on this island (own and migrants). */
  members: string[];
  /** Ids that arrived by migration; they never migrate again. */
  migrants: string[];
  /** MAP-Elites grid: cell key ("3,7") -> program id. */
  grid: Record<string, string>;
  /** Programs added to this island (its generation count). */
  generation: number;
  lastMigration: number;
}

export interface DatabaseState {
  version: 1;
  programs: Record<string, ProgramEntry>;
  islands: IslandState[];
  /** Elite archive, best first. */
  archive: string[];
  /** Running min/max of each feature dimension. */
  ranges: Record<string, { min: number; max: number }>;
  /** Next island to sample from (round robin). */
  nextIsland: number;
  bestId: string | null;
  seedId: string | null;
  rng: RngState;
  migrations: number;
}

/** A sampling decision: which island, which parent, which inspirations, and why. */
export interface Selection {
  island: number;
  parentId: string;
  inspirationIds: string[];
  mode: 'exploration' | 'exploitation' | 'fitness' | 'seed' | 'pareto';
}
