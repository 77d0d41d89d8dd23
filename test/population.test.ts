import { describe, expect, it } from 'vitest';
import { ProgramDatabase, type NewProgram } from '../orchestrator/population/program-database.js';
import { cellKey, editDistance } from '../orchestrator/population/features.js';
import { Rng } from '../orchestrator/population/rng.js';
import { DEFAULT_POPULATION, type PopulationConfig } from '../orchestrator/population/types.js';

const code = new Map<string, Record<string, string>>();
const codeOf = (id: string) => code.get(id);

function prog(id: string, score: number | null, extra: Partial<NewProgram> = {}): NewProgram {
  const files = { 'a.py': `# ${id}\n` + 'x = 1\n'.repeat(1 + (Math.abs(score ?? 0) % 7)) };
  code.set(id, files);
  return {
    id,
    files,
    metrics: {},
    score,
    correct: score !== null,
    parentId: null,
    iteration: 0,
    generation: 0,
    ...extra,
  };
}

function seeded(config: Partial<PopulationConfig> = {}, n = 30): ProgramDatabase {
  const db = ProgramDatabase.create({ ...DEFAULT_POPULATION, ...config }, 42);
  db.addSeed(prog('seed', 1), codeOf);
  for (let i = 1; i <= n; i++)
    db.add(prog(`p${i}`, i, { parentId: 'seed', island: i % db.config.islands, iteration: i }), codeOf);
  return db;
}

describe('rng', () => {
  it('continues the same sequence after its state is saved and restored', () => {
    const a = Rng.fromSeed(7);
    for (let i = 0; i < 10; i++) a.next();
    const b = Rng.fromState(JSON.parse(JSON.stringify(a.getState())));
    const xs = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(xs);
    expect(new Set(xs).size).toBe(20);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Rng.fromSeed(8).next()).not.toBe(Rng.fromSeed(7).next());
  });
});

describe('program database', () => {
  it('selects parents by the configured mix: exploitation only picks archive members', () => {
    const db = seeded({
      islands: 1,
      archiveSize: 3,
      selection: { exploration: 0, exploitation: 1, fitness: 0 },
    });
    const archive = new Set(db.archive());
    expect(archive.size).toBe(3);
    for (let i = 0; i < 50; i++) {
      const s = db.select();
      expect(s.mode).toBe('exploitation');
      expect(archive.has(s.parentId)).toBe(true);
    }
  });

  it('mixes exploration, exploitation and fitness picks in roughly the configured ratios', () => {
    const db = seeded({ islands: 1, selection: { exploration: 0.5, exploitation: 0.25, fitness: 0.25 } });
    const counts: Record<string, number> = { exploration: 0, exploitation: 0, fitness: 0 };
    for (let i = 0; i < 2000; i++) counts[db.select().mode]!++;
    expect(counts.exploration! / 2000).toBeGreaterThan(0.44);
    expect(counts.exploration! / 2000).toBeLessThan(0.56);
    expect(counts.exploitation! / 2000).toBeGreaterThan(0.19);
    expect(counts.fitness! / 2000).toBeGreaterThan(0.19);
  });

  it('fitness-weighted picks favour higher scores', () => {
    const db = seeded({ islands: 1, selection: { exploration: 0, exploitation: 0, fitness: 1 } });
    let high = 0;
    let low = 0;
    for (let i = 0; i < 1000; i++) {
      const s = db.get(db.select().parentId)!.score!;
      if (s > 20) high++;
      if (s <= 10) low++;
    }
    expect(high).toBeGreaterThan(low);
  });

  it('never picks an incorrect parent while a correct one exists, and gives distinct inspirations', () => {
    const db = ProgramDatabase.create({ ...DEFAULT_POPULATION, islands: 1 }, 1);
    db.addSeed(prog('s', 1), codeOf);
    for (let i = 0; i < 10; i++) db.add(prog(`bad${i}`, null, { parentId: 's' }), codeOf);
    db.add(prog('good', 5, { parentId: 's' }), codeOf);
    for (let i = 0; i < 100; i++) {
      const s = db.select();
      expect(['s', 'good']).toContain(s.parentId);
      expect(s.inspirationIds).not.toContain(s.parentId);
      expect(new Set(s.inspirationIds).size).toBe(s.inspirationIds.length);
    }
  });

  it('keeps one elite per MAP-Elites cell and min-max scales features', () => {
    expect(cellKey(['x'], { x: 5 }, { x: { min: 0, max: 10 } }, 10)).toBe('5');
    expect(cellKey(['x'], { x: 10 }, { x: { min: 0, max: 10 } }, 10)).toBe('9');
    expect(cellKey(['x', 'y'], { x: 0, y: 3 }, { x: { min: 0, max: 0 }, y: { min: 0, max: 4 } }, 2)).toBe(
      '0,1',
    );
    expect(editDistance('a\nb\n', 'a\nb\n')).toBe(0);
    expect(editDistance('a\nb\n', 'a\nc\n')).toBeGreaterThan(0);
    const db = seeded({ islands: 1, dims: ['score'], bins: 4 }, 40);
    const grid = db.island(0)!.grid;
    expect(Object.keys(grid).length).toBeGreaterThan(1);
    expect(Object.keys(grid).length).toBeLessThanOrEqual(4);
    // Each cell holds the best program that landed in it: the top cell holds the best overall.
    expect(Object.values(grid)).toContain(db.best()!.id);
  });

  it('migrates the top fraction to the next island in the ring, without duplicates or re-migration', () => {
    const db = ProgramDatabase.create(
      { ...DEFAULT_POPULATION, islands: 3, migrationInterval: 5, migrationFraction: 0.5 },
      3,
    );
    db.addSeed(prog('seed', 0), codeOf);
    for (let i = 1; i <= 30; i++)
      db.add(prog(`m${i}`, i, { parentId: 'seed', island: i % 3, iteration: i }), codeOf);
    expect(db.migrations).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const isl = db.island(i)!;
      expect(new Set(isl.members).size).toBe(isl.members.length);
      for (const id of isl.migrants) {
        // A migrant came from the previous island in the ring, never from further away (no re-migration).
        expect(db.get(id)!.island).toBe((i + 2) % 3);
      }
    }
    const migrated = [0, 1, 2].flatMap((i) => db.island(i)!.migrants);
    expect(migrated.length).toBeGreaterThan(0);
  });

  it('restored from JSON, it makes exactly the same next picks', () => {
    const a = seeded({ islands: 3 });
    for (let i = 0; i < 5; i++) a.select();
    const b = ProgramDatabase.restore(a.config, JSON.parse(JSON.stringify(a.toJSON())));
    const picksA = Array.from({ length: 25 }, () => a.select());
    const picksB = Array.from({ length: 25 }, () => b.select());
    expect(picksB).toEqual(picksA);
    expect(new Set(picksA.map((p) => p.parentId)).size).toBeGreaterThan(1);
  });

  it('ignores a second add of the same id and does not place identical code twice on an island', () => {
    const db = ProgramDatabase.create({ ...DEFAULT_POPULATION, islands: 1 }, 1);
    db.addSeed(prog('s', 1), codeOf);
    const first = db.add(prog('x', 3, { parentId: 's' }), codeOf);
    expect(first.improved).toBe(true);
    expect(db.add(prog('x', 3, { parentId: 's' }), codeOf).improved).toBe(false);
    const dup = { ...prog('y', 3, { parentId: 's' }), files: code.get('x')! };
    db.add(dup, codeOf);
    expect(db.island(0)!.members).toEqual(['s', 'x']);
    expect(db.size()).toBe(3);
  });
});
