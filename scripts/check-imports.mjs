#!/usr/bin/env node
// The import rules of the workspace, checked from the source text (no build needed). Run by `npm run lint` and
// `npm test`; `node scripts/check-imports.mjs [--root DIR]` checks another tree (scripts/check-imports.test.mjs).
//
// 1. No circle of relative imports inside a package's src/ (type-only imports included: a circle of types is
//    still two files that cannot be read apart).
// 2. Layers, bottom to top (LAYERS below). A package may depend on its own layer and the ones below, never on
//    a higher one, and the packages of one layer may not form a circle. Judged from both places a dependency
//    shows: package.json (dependencies, peerDependencies, optionalDependencies) and every `@hypersweep/*`
//    import of the package's src/ (static, dynamic, `export ... from`, `require`, type-only). devDependencies
//    serve tests and scripts (packages/client's @hypersweep/api generates its types), so they are judged by
//    where they are imported: an upward import from src/ fails, one from a script or a test does not.
//    Every package under packages/ and services/ must have a layer.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bottom to top. A folder listed here that does not exist (yet) is skipped. */
export const LAYERS = [
  {
    name: 'I/O-free libraries',
    dirs: ['packages/optim', 'packages/search', 'packages/core', 'packages/data'],
  },
  { name: 'stores and domain', dirs: ['packages/db', 'packages/queue', 'packages/spec', 'packages/trainer'] },
  { name: 'services', dirs: ['services/api', 'services/worker'] },
  { name: 'clients', dirs: ['packages/client', 'packages/cli'] },
];
const SCOPE = '@hypersweep/';
const RUNTIME_DEPENDENCIES = ['dependencies', 'peerDependencies', 'optionalDependencies'];
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const TEST = /\.(?:test|spec)\.[^.]+$/;

// ---- reading source: a small tokenizer, so that comments, strings and regular expressions never count
// as imports and type-only imports do

const KEYWORDS_BEFORE_EXPRESSION = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

/** The tokens of a JavaScript or TypeScript file that matter here: names, string literals, punctuation. */
export function tokenize(text) {
  const tokens = [];
  // open template literals: the brace depth inside each `${ ... }` being read
  const templates = [];
  let i = 0;
  const last = () => tokens.at(-1);
  const regexAllowed = () => {
    const prev = last();
    if (!prev) return true;
    if (prev.type === 'name') return KEYWORDS_BEFORE_EXPRESSION.has(prev.value);
    if (prev.type === 'punct') return !')]'.includes(prev.value);
    return false;
  };
  /** Reads template characters from i (just after ` or a closing } of `${`) to its end or the next `${`. */
  const templateText = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        i += 1;
        tokens.push({ type: 'template' });
        return;
      } else if (c === '$' && text[i + 1] === '{') {
        i += 2;
        templates.push(0);
        tokens.push({ type: 'punct', value: '${' });
        return;
      } else i += 1;
    }
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (/\s/.test(c)) i += 1;
    else if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"') {
      let value = '';
      i += 1;
      while (i < text.length && text[i] !== c && text[i] !== '\n') {
        if (text[i] === '\\') {
          value += text[i + 1] ?? '';
          i += 2;
        } else value += text[i++];
      }
      i += 1;
      tokens.push({ type: 'string', value });
    } else if (c === '`') {
      i += 1;
      templateText();
    } else if (c === '/' && regexAllowed()) {
      let inClass = false;
      i += 1;
      while (i < text.length && text[i] !== '\n' && (inClass || text[i] !== '/')) {
        if (text[i] === '\\') i += 1;
        else if (text[i] === '[') inClass = true;
        else if (text[i] === ']') inClass = false;
        i += 1;
      }
      i += 1;
      while (/[a-z]/i.test(text[i] ?? '')) i += 1;
      tokens.push({ type: 'regex' });
    } else if (/[\p{ID_Start}$_]/u.test(c)) {
      const match = /^[\p{ID_Continue}$\u200c\u200d]+/u.exec(text.slice(i, i + 256));
      tokens.push({ type: 'name', value: match[0] });
      i += match[0].length;
    } else if (/[0-9]/.test(c)) {
      const match = /^[\w.]+/.exec(text.slice(i, i + 64));
      tokens.push({ type: 'number' });
      i += match[0].length;
    } else {
      i += 1;
      if (templates.length > 0 && c === '{') templates[templates.length - 1] += 1;
      else if (templates.length > 0 && c === '}') {
        if (templates.at(-1) === 0) {
          templates.pop();
          templateText();
          continue;
        }
        templates[templates.length - 1] -= 1;
      }
      tokens.push({ type: 'punct', value: c });
    }
  }
  return tokens;
}

/**
 * Every module a file names: `import ... from 'x'`, `export ... from 'x'`, `import 'x'`, `import('x')` (also
 * `typeof import('x')` in types), `require('x')` and `import y = require('x')`.
 */
export function importsOf(text) {
  const tokens = tokenize(text);
  const found = [];
  tokens.forEach((token, k) => {
    if (token.type !== 'name') return;
    const after = tokens[k + 1];
    const before = tokens[k - 1];
    if (before?.type === 'punct' && before.value === '.') return; // a property: Array.from, x.import
    if (token.value === 'from' && after?.type === 'string') found.push(after.value);
    else if (token.value === 'import' && after?.type === 'string') found.push(after.value);
    else if (
      (token.value === 'import' || token.value === 'require') &&
      after?.type === 'punct' &&
      after.value === '(' &&
      tokens[k + 2]?.type === 'string'
    )
      found.push(tokens[k + 2].value);
  });
  return found;
}

// ---- the tree

function sourceFiles(dir, skip = () => false) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return name === 'node_modules' || skip(name) ? [] : sourceFiles(path, skip);
    return SOURCE.test(name) ? [path] : [];
  });
}

/** The packages under packages/ and services/ (folders with a package.json), with their layers. */
function workspace(root) {
  const packages = [];
  for (const group of ['packages', 'services']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      const dir = `${group}/${name}`;
      const manifest = join(root, dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const json = JSON.parse(readFileSync(manifest, 'utf8'));
      const layer = LAYERS.findIndex((l) => l.dirs.includes(dir));
      packages.push({ dir, name: json.name, json, layer: layer < 0 ? undefined : layer });
    }
  }
  return packages;
}

const layerName = (layer) => `layer ${layer + 1}: ${LAYERS[layer].name}`;
/** `@hypersweep/trainer/workloads` -> `@hypersweep/trainer` */
const packageOf = (specifier) => specifier.split('/').slice(0, 2).join('/');

/** Tarjan's strongly connected components: every component of more than one node (or a node that names itself) is a circle. */
export function circles(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const found = [];
  const visit = (node) => {
    meta.set(node, { index, low: index, onStack: true });
    index += 1;
    stack.push(node);
    for (const next of graph.get(node)) {
      if (!meta.has(next)) {
        visit(next);
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).low);
      } else if (meta.get(next).onStack) {
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).index);
      }
    }
    if (meta.get(node).low === meta.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        meta.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node).includes(node)) found.push(component);
    }
  };
  for (const node of graph.keys()) if (!meta.has(node)) visit(node);
  return found;
}

/** Circles of relative imports among the files of one src/ folder (generated code left out). */
function fileCircles(root, srcDir) {
  const files = new Set(sourceFiles(srcDir, (name) => name === 'generated'));
  const graph = new Map(
    [...files].map((file) => {
      const targets = importsOf(readFileSync(file, 'utf8'))
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) => {
          const target = resolve(dirname(file), specifier);
          const candidates = [
            target,
            target.replace(/\.js$/, '.ts'),
            `${target}.ts`,
            join(target, 'index.ts'),
          ];
          return candidates.find((candidate) => files.has(candidate));
        })
        .filter((hit) => hit !== undefined);
      return [file, targets];
    }),
  );
  return circles(graph).map(
    (component) =>
      `import circle: ${component
        .map((file) => relative(root, file))
        .sort()
        .join(' <-> ')}`,
  );
}

/** Every rule, over the tree at `root`; returns the problems found, one line each. */
export function check(root) {
  const problems = [];
  const packages = workspace(root);
  const byName = new Map(packages.map((p) => [p.name, p]));
  /** Judges one dependency of `from` on `specifier`; `where` says where it shows. */
  const judge = (from, specifier, where) => {
    const to = byName.get(packageOf(specifier));
    if (to === undefined)
      return problems.push(`${where}: ${specifier} is not a package of the workspace with a layer`);
    if (to === from || from.layer === undefined || to.layer === undefined || to.layer <= from.layer) return;
    problems.push(
      `${where} imports ${specifier} (${to.dir}, ${layerName(to.layer)}) from ${from.dir} (${layerName(from.layer)}): a lower layer may not import a higher one`,
    );
  };
  const edges = new Map(packages.map((p) => [p.name, new Set()]));
  for (const pkg of packages) {
    if (pkg.layer === undefined) {
      problems.push(`${pkg.dir} (${pkg.name}) has no layer: add it to LAYERS in scripts/check-imports.mjs`);
    }
    for (const field of RUNTIME_DEPENDENCIES) {
      for (const dependency of Object.keys(pkg.json[field] ?? {}).filter((d) => d.startsWith(SCOPE))) {
        judge(pkg, dependency, `${pkg.dir}/package.json ${field}`);
        if (byName.has(dependency) && dependency !== pkg.name) edges.get(pkg.name).add(dependency);
      }
    }
    const srcDir = join(root, pkg.dir, 'src');
    for (const file of sourceFiles(srcDir).filter((f) => !TEST.test(f))) {
      for (const specifier of importsOf(readFileSync(file, 'utf8')).filter((s) => s.startsWith(SCOPE))) {
        judge(pkg, specifier, relative(root, file));
        const target = packageOf(specifier);
        if (byName.has(target) && target !== pkg.name) edges.get(pkg.name).add(target);
      }
    }
    problems.push(...fileCircles(root, srcDir));
  }
  const graph = new Map([...edges].map(([name, targets]) => [name, [...targets]]));
  for (const component of circles(graph)) {
    problems.push(`package circle (package.json or src/ imports): ${component.sort().join(' <-> ')}`);
  }
  return { problems, packages };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--root');
  const root =
    at > 0 ? resolve(process.argv[at + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { problems, packages } = check(root);
  if (problems.length > 0) {
    console.error(`import rules broken (${problems.length}):`);
    for (const problem of problems) console.error(`  ${problem}`);
    process.exit(1);
  }
  const layered = LAYERS.map((_, k) => `${k + 1}: ${packages.filter((p) => p.layer === k).length}`).join(
    ', ',
  );
  console.log(`imports: no circles, no upward imports in ${packages.length} packages (per layer ${layered})`);
}
