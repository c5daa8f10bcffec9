import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const lib = join(root, 'lib');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every import specifier of a file, relative ones resolved to repository paths. */
function importsOf(file: string): { specifier: string; target: string | null }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => {
    const specifier = (match[1] ?? match[2])!;
    const target = specifier.startsWith('.')
      ? relative(root, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts')
      : null;
    return { specifier, target };
  });
}

const files = sourceFiles(lib).map((path) => ({
  path: relative(root, path),
  imports: importsOf(path),
}));
const inside = (prefix: string) => files.filter((file) => file.path.startsWith(prefix));

describe('architecture', () => {
  it('finds the library sources', () => {
    expect(files.length).toBeGreaterThan(40);
    expect(inside('lib/core/').length).toBeGreaterThan(25);
  });

  it('keeps the engine free of Nest, databases, Redis and HTTP frameworks', () => {
    const allowedPackages = /^(croner|rxjs|node:.+)$/;
    const offenders = inside('lib/core/').flatMap((file) =>
      file.imports
        .filter(({ target, specifier }) => target === null && !allowedPackages.test(specifier))
        .map(({ specifier }) => `${file.path} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it('lets the engine reach persistence and clustering only through their boundaries and default implementations', () => {
    const allowed =
      /^lib\/(core\/|store\/task-store\.ts$|store\/memory\/|coordination\/coordinator\.ts$|coordination\/local\/)/;
    const offenders = inside('lib/core/').flatMap((file) =>
      file.imports
        .filter(({ target }) => target !== null && !allowed.test(target))
        .map(({ target }) => `${file.path} imports ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps stores and coordinators below the engine: they use its data types, never its machinery', () => {
    const kernel = /^lib\/core\/(types|errors|min-heap|clock)\.ts$/;
    const offenders = [...inside('lib/store/'), ...inside('lib/coordination/')].flatMap((file) =>
      file.imports
        .filter(({ target }) => target?.startsWith('lib/core/') && !kernel.test(target))
        .map(({ target }) => `${file.path} imports ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it('never imports the Nest layer, the sample or the tests from below', () => {
    const below = [...inside('lib/core/'), ...inside('lib/store/'), ...inside('lib/coordination/')];
    const offenders = below.flatMap((file) =>
      file.imports
        .filter(
          ({ target }) => target !== null && !/^lib\/(core|store|coordination)\//.test(target),
        )
        .map(({ target }) => `${file.path} imports ${target}`),
    );
    const outside = files.flatMap((file) =>
      file.imports
        .filter(({ target }) => target !== null && !target.startsWith('lib/'))
        .map(({ target }) => `${file.path} imports ${target}`),
    );
    expect([...offenders, ...outside]).toEqual([]);
  });

  it('keeps the admin API on the public service, off the engine machinery and off any one HTTP platform', () => {
    const engineData = /^lib\/core\/(types|errors|events)\.ts$/;
    const platforms = /^(express|fastify|@nestjs\/platform-.+|@fastify\/.+)$/;
    const offenders = inside('lib/admin/').flatMap((file) =>
      file.imports
        .filter(({ target, specifier }) =>
          target === null
            ? platforms.test(specifier)
            : target.startsWith('lib/core/') && !engineData.test(target),
        )
        .map(({ specifier }) => `${file.path} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });

  it('has no import cycles between modules', () => {
    const graph = new Map(
      files.map((file) => [
        file.path,
        file.imports
          .map(({ target }) => target)
          .filter((target): target is string => target !== null),
      ]),
    );
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      state.set(node, 'visiting');
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('keeps files small: engine files at most 300 lines, none over 500', () => {
    const lines = (path: string) =>
      readFileSync(join(root, path), 'utf8').trimEnd().split('\n').length;
    const tooLong = files
      .filter((file) => lines(file.path) > (file.path.startsWith('lib/core/') ? 300 : 500))
      .map((file) => `${file.path}: ${lines(file.path)} lines`);
    expect(tooLong).toEqual([]);
  });

  it('uses no `any` in the library', () => {
    const offenders = files.filter((file) =>
      /(:\s*any\b|<any>|as any\b|any\[\])/.test(readFileSync(join(root, file.path), 'utf8')),
    );
    expect(offenders.map((file) => file.path)).toEqual([]);
  });

  it('imports optional peers only where they are needed, so the memory store needs none of them', () => {
    const optional =
      /^(typeorm|ioredis|pg|mysql2|better-sqlite3|prom-client|@nestjs\/terminus|@nestjs\/typeorm)$/;
    const eager = files.flatMap((file) =>
      [
        ...readFileSync(join(root, file.path), 'utf8').matchAll(
          /^import\s+(?!type\b)[^'"]*from\s+['"]([^'"]+)['"]/gm,
        ),
      ]
        .filter((match) => optional.test(match[1]!))
        .map((match) => `${file.path} imports ${match[1]} eagerly`),
    );
    expect(eager).toEqual([]);
  });
});
