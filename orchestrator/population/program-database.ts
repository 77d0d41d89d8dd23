// The program database: islands, a MAP-Elites grid per island, an elite archive, sampling and migration; all JSON.
import { createHash } from 'node:crypto';
import { cellKey, featureValues, joinFiles, widenRanges } from './features.js';
import { migrateRing } from './migration.js';
import { Rng, type RngState } from './rng.js';
import { selectInspirations, selectParent } from './selection.js';
import type { DatabaseState, IslandState, PopulationConfig, ProgramEntry, Selection } from './types.js';

export interface NewProgram {
  id: string;
  files: Record<string, string>;
  metrics: Record<string, number>;
  score: number | null;
  correct: boolean;
  parentId: string | null;
  iteration: number;
  generation: number;
  /** Island it belongs to; defaults to the parent's island (0 without one). */
  island?: number;
}

/** Looks up a program's evolved files (the store keeps the code; the database keeps ids and features). */
export type CodeLookup = (id: string) => Record<string, string> | undefined;

/** One program as placed: written once to the store (population_programs), replayed in `seq` order on resume. */
export interface PlacedProgram {
  /** Order of addition in the run (0 = the seed); replaying in this order rebuilds islands, grid and archive. */
  seq: number;
  entry: Omit<ProgramEntry, 'children'>;
  seed: boolean;
  /** The MAP-Elites cell it was placed in on its island, or null when it was a duplicate (not placed). */
  cell: string | null;
}

/** The small part of the database that is not derived from its programs: where sampling stands. */
export interface SamplingCursor {
  rng: RngState;
  nextIsland: number;
}

export function hashFiles(files: Record<string, string>): string {
  return createHash('sha256').update(joinFiles(files)).digest('hex').slice(0, 16);
}

/** The objective metrics of a correct program of a multi-objective problem; nothing otherwise. */
function objectiveValues(config: PopulationConfig, p: NewProgram): { objectives?: Record<string, number> } {
  const objectives = config.objectives ?? [];
  if (objectives.length < 2 || !p.correct || p.score === null) return {};
  const out: Record<string, number> = {};
  for (const o of objectives) {
    const v = p.metrics[o.name];
    if (typeof v === 'number' && Number.isFinite(v)) out[o.name] = v;
  }
  return { objectives: out };
}

const scoreOf = (p: ProgramEntry | undefined): number =>
  p && p.correct && p.score !== null ? p.score : -Infinity;

export class ProgramDatabase {
  readonly config: PopulationConfig;
  private readonly state: DatabaseState;
  private readonly rng: Rng;
  /** Programs added since the last takeUnsaved(), in order (the store writes them once each). */
  private unsaved: PlacedProgram[] = [];
  private added = 0;

  private constructor(config: PopulationConfig, state: DatabaseState) {
    this.config = config;
    this.state = state;
    this.rng = Rng.fromState(state.rng);
    this.added = Object.keys(state.programs).length;
  }

  static create(config: PopulationConfig, seed: number): ProgramDatabase {
    return ProgramDatabase.empty(config, { rng: Rng.fromSeed(seed).getState(), nextIsland: 0 });
  }

  private static empty(config: PopulationConfig, cursor: SamplingCursor): ProgramDatabase {
    const islands: IslandState[] = Array.from({ length: Math.max(1, config.islands) }, () => ({
      members: [],
      migrants: [],
      grid: {},
      generation: 0,
      lastMigration: 0,
    }));
    return new ProgramDatabase(config, {
      version: 1,
      programs: {},
      islands,
      archive: [],
      ranges: {},
      nextIsland: cursor.nextIsland,
      bestId: null,
      seedId: null,
      rng: [...cursor.rng],
      migrations: 0,
    });
  }

  /** Restores a database saved with toJSON(); sampling continues exactly where it stopped. */
  static restore(config: PopulationConfig, state: DatabaseState): ProgramDatabase {
    return new ProgramDatabase(config, structuredClone(state));
  }

  /**
   * Rebuilds a database from its placed programs (in `seq` order) and its sampling cursor. Placement is a
   * pure function of the order of additions (no randomness), so this reproduces islands, grids, archive,
   * ranges, migrations and children counts exactly; the cursor restores the RNG and the round robin.
   */
  static replay(
    config: PopulationConfig,
    rows: readonly PlacedProgram[],
    cursor: SamplingCursor,
  ): ProgramDatabase {
    const db = ProgramDatabase.empty(config, cursor);
    for (const [i, row] of rows.entries()) {
      if (row.seq !== i)
        throw new Error(`population rows are not contiguous: expected seq ${i}, found ${row.seq}`);
      const entry: ProgramEntry = { ...row.entry, children: 0 };
      if (row.seed) db.insertSeed(entry);
      else db.insert(entry);
    }
    db.unsaved = [];
    return db;
  }

  /** The programs added since the last call, for the store to write (once each). */
  takeUnsaved(): PlacedProgram[] {
    const out = this.unsaved;
    this.unsaved = [];
    return out;
  }

  /** The sampling cursor (RNG and round robin): all the resumable state besides the placed programs. */
  cursor(): SamplingCursor {
    return { rng: this.rng.getState(), nextIsland: this.state.nextIsland };
  }

  toJSON(): DatabaseState {
    return { ...structuredClone(this.state), rng: this.rng.getState() };
  }

  /** The run's random numbers (proposers get this, so a resumed run stays reproducible). */
  random(): number {
    return this.rng.next();
  }

  has(id: string): boolean {
    return id in this.state.programs;
  }

  get(id: string): ProgramEntry | undefined {
    return this.state.programs[id];
  }

  size(): number {
    return this.added;
  }

  best(): ProgramEntry | undefined {
    return this.state.bestId ? this.state.programs[this.state.bestId] : undefined;
  }

  seed(): ProgramEntry | undefined {
    return this.state.seedId ? this.state.programs[this.state.seedId] : undefined;
  }

  archive(): string[] {
    return [...this.state.archive];
  }

  island(i: number): Readonly<IslandState> | undefined {
    return this.state.islands[i];
  }

  get migrations(): number {
    return this.state.migrations;
  }

  /** Adds the seed program to every island. */
  addSeed(p: Omit<NewProgram, 'island' | 'parentId'>, codeOf: CodeLookup): ProgramEntry {
    const existing = this.state.programs[p.id];
    if (existing) return existing;
    const entry = this.entryOf({ ...p, parentId: null, island: 0 }, codeOf);
    this.insertSeed(entry);
    return entry;
  }

  /** Records an evaluated program; returns its entry and whether it is the new best. Idempotent per id. */
  add(p: NewProgram, codeOf: CodeLookup): ProgramEntry & { improved: boolean } {
    const existing = this.state.programs[p.id];
    if (existing) return { ...existing, improved: false };
    const entry = this.entryOf(p, codeOf);
    const improved = this.insert(entry);
    return { ...entry, improved };
  }

  /** The entry of a new program: its island and its features (measured against the island as it stands now). */
  private entryOf(p: NewProgram, codeOf: CodeLookup): ProgramEntry {
    const parent = p.parentId ? this.state.programs[p.parentId] : undefined;
    const islandIdx = Math.min(this.state.islands.length - 1, Math.max(0, p.island ?? parent?.island ?? 0));
    const refs = this.referenceCodes(this.state.islands[islandIdx]!, codeOf);
    return {
      id: p.id,
      score: p.correct ? p.score : null,
      correct: p.correct && p.score !== null,
      features: featureValues(this.config.dims, { files: p.files, metrics: p.metrics, score: p.score, refs }),
      island: islandIdx,
      parentId: p.parentId,
      iteration: p.iteration,
      generation: p.generation,
      codeHash: hashFiles(p.files),
      children: 0,
      ...objectiveValues(this.config, p),
    };
  }

  private insertSeed(entry: ProgramEntry): void {
    this.insert(entry, true);
    this.state.seedId = entry.id;
    for (const [i, isl] of this.state.islands.entries()) {
      if (i === 0) continue;
      isl.members.push(entry.id);
      this.place(isl, entry);
    }
  }

  /** Places an entry (deterministic: no randomness, so replaying the same order rebuilds the same state). */
  private insert(entry: ProgramEntry, seed = false): boolean {
    const isl = this.state.islands[entry.island]!;
    const parent = entry.parentId ? this.state.programs[entry.parentId] : undefined;
    this.state.programs[entry.id] = entry;
    if (parent) parent.children++;
    widenRanges(this.state.ranges, entry.features);
    const duplicate = isl.members.some((id) => this.state.programs[id]?.codeHash === entry.codeHash);
    let cell: string | null = null;
    if (!duplicate) {
      isl.members.push(entry.id);
      cell = this.place(isl, entry);
      this.updateArchive(entry);
    }
    isl.generation++;
    const improved = entry.correct && scoreOf(entry) > scoreOf(this.best());
    if (improved) this.state.bestId = entry.id;
    this.trim(isl);
    this.maybeMigrate(entry.island);
    const stored: PlacedProgram['entry'] = { ...entry };
    delete (stored as Partial<ProgramEntry>).children;
    this.unsaved.push({ seq: this.added++, entry: stored, seed, cell });
    return improved;
  }

  /** Picks the next island (round robin), a parent and inspirations. */
  select(): Selection {
    const island = this.state.nextIsland % this.state.islands.length;
    this.state.nextIsland = (island + 1) % this.state.islands.length;
    const picked = selectParent(this.state, this.config, this.rng, island);
    if (!picked) throw new Error('the program database is empty: add the seed first');
    const inspirationIds = selectInspirations(this.state, this.config, this.rng, island, picked.parent.id);
    return { island, parentId: picked.parent.id, inspirationIds, mode: picked.mode };
  }

  /** Best-of-N: always the seed, no inspirations (independent samples). */
  selectSeed(): Selection {
    const id = this.state.seedId;
    if (!id) throw new Error('the program database has no seed');
    const island = this.state.nextIsland % this.state.islands.length;
    this.state.nextIsland = (island + 1) % this.state.islands.length;
    return { island, parentId: id, inspirationIds: [], mode: 'seed' };
  }

  private referenceCodes(isl: IslandState, codeOf: CodeLookup): string[] {
    if (!this.config.dims.includes('diversity')) return [];
    const ids = [...isl.members]
      .sort((a, b) => scoreOf(this.state.programs[b]) - scoreOf(this.state.programs[a]))
      .slice(0, this.config.diversityRefs);
    return ids
      .map((id) => codeOf(id))
      .filter((f) => f !== undefined)
      .map(joinFiles);
  }

  /** MAP-Elites: the program takes its cell when the cell is empty or it scores higher than the occupant. */
  private place(isl: IslandState, entry: ProgramEntry): string {
    const key = cellKey(this.config.dims, entry.features, this.state.ranges, this.config.bins);
    const occupant = isl.grid[key];
    if (occupant === undefined || scoreOf(entry) > scoreOf(this.state.programs[occupant]))
      isl.grid[key] = entry.id;
    return key;
  }

  private updateArchive(entry: ProgramEntry): void {
    if (!entry.correct) return;
    const a = this.state.archive;
    if (a.some((id) => this.state.programs[id]?.codeHash === entry.codeHash)) return;
    a.push(entry.id);
    a.sort((x, y) => scoreOf(this.state.programs[y]) - scoreOf(this.state.programs[x]));
    a.length = Math.min(a.length, this.config.archiveSize);
  }

  /** Drops the worst member that is neither the best, the seed, archived nor a grid elite. */
  private trim(isl: IslandState): void {
    while (isl.members.length > this.config.islandCapacity) {
      const protectedIds = new Set([
        ...Object.values(isl.grid),
        ...this.state.archive,
        this.state.bestId,
        this.state.seedId,
      ]);
      const candidates = isl.members.filter((id) => !protectedIds.has(id));
      if (candidates.length === 0) return;
      const worst = candidates.reduce((w, id) =>
        scoreOf(this.state.programs[id]) < scoreOf(this.state.programs[w]) ? id : w,
      );
      isl.members = isl.members.filter((id) => id !== worst);
      isl.migrants = isl.migrants.filter((id) => id !== worst);
    }
  }

  private maybeMigrate(from: number): void {
    const interval = this.config.migrationInterval;
    const isl = this.state.islands[from]!;
    if (interval <= 0 || this.state.islands.length < 2 || isl.generation - isl.lastMigration < interval)
      return;
    const moved = migrateRing(this.state, this.config, from);
    const dst = this.state.islands[(from + 1) % this.state.islands.length]!;
    for (const id of moved) this.place(dst, this.state.programs[id]!);
    this.state.migrations += moved.length > 0 ? 1 : 0;
  }
}
