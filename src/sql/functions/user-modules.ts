import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../../core/errors.js';
import { parseSqlType } from '../types/sql-type.js';
import type { FunctionCatalog, TypeSpec } from './catalog.js';

/**
 * Loading user functions from JavaScript and TypeScript modules for `CREATE FUNCTION`.
 *
 * Imports are asynchronous and planning is not, so a script is loaded in two steps: `FunctionModules.load`
 * imports every module its CREATE FUNCTION statements name (the planner's `planScriptAsync` does this
 * first), then planning looks the exports up with `exportFor` and registers them with `registerModuleFunction`.
 */

/** Languages `CREATE FUNCTION ... LANGUAGE` may name; weir runs the first two. */
export type FunctionLanguage = 'JAVA' | 'SCALA' | 'PYTHON' | 'JAVASCRIPT' | 'TYPESCRIPT' | 'SQL';

/** `'./udfs.ts#riskScore'` split into the module and the export (undefined: named after the function). */
export interface FunctionIdentifier {
  path: string;
  exportName: string | undefined;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);

export function parseFunctionIdentifier(identifier: string): FunctionIdentifier {
  const hash = identifier.lastIndexOf('#');
  if (hash < 0) return { path: identifier, exportName: undefined };
  const exportName = identifier.slice(hash + 1);
  return { path: identifier.slice(0, hash), exportName: exportName === '' ? undefined : exportName };
}

/** The absolute file a module path names: relative paths are read from `baseDir`. */
export function resolveModulePath(path: string, baseDir: string): string {
  if (path.startsWith('file:')) return fileURLToPath(path);
  if (isAbsolute(path) || path.startsWith('./') || path.startsWith('../')) return resolve(baseDir, path);
  const looksLikeClass = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/.test(path) && !/\.(m?js|c?js|m?ts|c?ts)$/.test(path);
  throw new UserError(`'${path}' is not a module path`, {
    origin: 'sql',
    hint: looksLikeClass
      ? "weir loads functions from JavaScript or TypeScript modules, not Java classes: write AS './udfs.js#myFunction'"
      : "start relative paths with ./ or ../ (read from the script's directory), e.g. AS './udfs.js#myFunction'",
  });
}

/**
 * The modules a session has imported, by absolute path. One per session (the SQL shell keeps it
 * between statements); `load` is idempotent for a module that has not changed on disk.
 */
export class FunctionModules {
  private readonly modules = new Map<string, { version: number; exports: Record<string, unknown> }>();

  /**
   * Imports the module of `identifier` (TypeScript is transpiled first). Throws a `UserError` that names
   * the module when it is missing, does not compile or throws while loading.
   */
  async load(identifier: string, baseDir: string, language?: FunctionLanguage): Promise<void> {
    checkLanguage(language);
    const file = resolveModulePath(parseFunctionIdentifier(identifier).path, baseDir);
    let version: number;
    try {
      version = statSync(file).mtimeMs;
    } catch {
      throw new UserError(`the module '${file}' of function identifier '${identifier}' does not exist`, {
        origin: 'sql', hint: "relative paths are read from the SQL file's directory (the working directory in weir sql)",
      });
    }
    if (this.modules.get(file)?.version === version) return;
    const ts = TS_EXTENSIONS.has(extname(file)) || language === 'TYPESCRIPT';
    const url = ts ? await transpiledUrl(file) : `${pathToFileURL(file).href}?v=${version}`;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`the module '${file}' threw while loading: ${e instanceof Error ? e.message : String(e)}`, {
        origin: 'sql', cause: e, hint: 'run it with node to see the full error',
      });
    }
    this.modules.set(file, { version, exports });
  }

  /**
   * The export a function `name` refers to: `#export` when given, else the export named like the
   * function (ignoring case and underscores, so `risk_score` finds `riskScore`), else `default`.
   */
  exportFor(identifier: string, baseDir: string, name: string): unknown {
    const { path, exportName } = parseFunctionIdentifier(identifier);
    const file = resolveModulePath(path, baseDir);
    const mod = this.modules.get(file);
    if (!mod) {
      throw new UserError(`the module '${file}' of function '${name}' was not loaded before planning`, {
        origin: 'sql', hint: 'plan scripts with CREATE FUNCTION through planScriptAsync (or call FunctionModules.load first)',
      });
    }
    const names = Object.keys(mod.exports);
    if (exportName !== undefined) {
      if (!(exportName in mod.exports)) {
        throw new UserError(`the module '${file}' has no export '${exportName}' for function '${name}'`, {
          origin: 'sql', hint: names.length ? `its exports: ${names.join(', ')}` : 'it exports nothing',
        });
      }
      return mod.exports[exportName];
    }
    const norm = (s: string): string => s.replace(/_/g, '').toLowerCase();
    const exact = names.find((n) => n === name);
    if (exact) return mod.exports[exact];
    const like = names.filter((n) => norm(n) === norm(name));
    if (like.length === 1) return mod.exports[like[0]!];
    if (like.length > 1) {
      throw new UserError(`the module '${file}' has several exports that match function '${name}': ${like.join(', ')}`, {
        origin: 'sql', hint: `name the export: AS '${path}#${like[0]}'`,
      });
    }
    if ('default' in mod.exports) return mod.exports['default'];
    throw new UserError(`the module '${file}' has no export named '${name}' and no default export`, {
      origin: 'sql', hint: names.length ? `name one of its exports: AS '${path}#${names[0]}' (exports: ${names.join(', ')})` : 'it exports nothing',
    });
  }
}

function checkLanguage(language: FunctionLanguage | undefined): void {
  if (language === undefined || language === 'JAVASCRIPT' || language === 'TYPESCRIPT') return;
  throw new UserError(`LANGUAGE ${language} functions cannot run in weir`, {
    origin: 'sql', hint: 'write the function as a JavaScript or TypeScript module: LANGUAGE JAVASCRIPT or TYPESCRIPT',
  });
}

// ------------------------------------------------------------------ the module contract

/** How a module describes a function; see docs/udf.md. `returns` and `args` are Flink SQL types. */
interface Described {
  kind?: unknown;
  returns?: unknown;
  args?: unknown;
  deterministic?: unknown;
  eval?: unknown;
  createAccumulator?: unknown;
  accumulate?: unknown;
  retract?: unknown;
  merge?: unknown;
  getValue?: unknown;
}

/**
 * Registers the export `value` of module `module` as function `name`:
 * - a function, or `{ kind: 'scalar', returns, args?, eval }`: a scalar function (a plain function
 *   declares its type as a property, `fn.returns = 'DOUBLE'`);
 * - a generator function, or `{ kind: 'table', returns, args?, eval }`: a table function;
 * - `{ kind: 'aggregate', returns, args?, createAccumulator, accumulate, getValue, retract?, merge? }`.
 * Throws a `UserError` naming the function and module when the export does not fit.
 */
export function registerModuleFunction(catalog: FunctionCatalog, name: string, value: unknown, module: string): void {
  const bad = (what: string, hint?: string): UserError => new UserError(`function '${name}' (${module}): ${what}`, { origin: 'sql', hint: hint ?? 'see docs/udf.md for the module contract' });
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    throw bad(`the export is ${value === null ? 'null' : typeof value}, not a function or a function definition object`);
  }
  const d = value as Described;
  const isGenerator = typeof value === 'function' && value.constructor?.name === 'GeneratorFunction';
  const kind = d.kind ?? (typeof d.createAccumulator === 'function' ? 'aggregate' : isGenerator ? 'table' : 'scalar');
  if (kind !== 'scalar' && kind !== 'table' && kind !== 'aggregate') throw bad(`kind must be 'scalar', 'table' or 'aggregate', not ${JSON.stringify(kind)}`);
  const returns = d.returns;
  if (typeof returns !== 'string') {
    throw bad('it does not declare its SQL result type', typeof value === 'function'
      ? `JavaScript has no types at run time: add ${kind === 'table' ? "returns: 'ROW<word STRING, len INT>'" : "returns: 'DOUBLE'"} (e.g. export const f = Object.assign(function (...) {...}, { returns: 'DOUBLE' }))`
      : "add returns: 'DOUBLE' (any Flink SQL type)");
  }
  const typeOf = (text: string, what: string): TypeSpec => {
    try {
      return parseSqlType(text);
    } catch (e) {
      throw bad(`${what} '${text}' is not a SQL type: ${e instanceof Error ? e.message : String(e)}`, "write a Flink SQL type such as 'DOUBLE', 'STRING', 'DECIMAL(10, 2)' or 'ROW<a INT, b STRING>'");
    }
  };
  const resultType = typeOf(returns, 'returns');
  let argTypes: TypeSpec[] | undefined;
  if (d.args !== undefined) {
    if (!Array.isArray(d.args) || d.args.some((a) => typeof a !== 'string')) throw bad("args must be an array of SQL types, e.g. args: ['DOUBLE', 'STRING']");
    argTypes = (d.args as string[]).map((a, i) => typeOf(a, `argument ${i + 1}`));
  }
  const fn = (key: keyof Described, required: boolean): ((...a: any[]) => any) | undefined => {
    const f = d[key];
    if (f === undefined && !required) return undefined;
    if (typeof f !== 'function') throw bad(`a ${kind} function needs a ${key}(...) method`);
    return f as (...a: any[]) => any;
  };
  const options = { module };
  if (kind === 'aggregate') {
    const createAccumulator = fn('createAccumulator', true)!;
    const accumulate = fn('accumulate', true)!;
    const getValue = fn('getValue', true)!;
    const retract = fn('retract', false);
    const merge = fn('merge', false);
    catalog.registerAggregate(name, {
      createAccumulator: () => createAccumulator.call(d),
      accumulate: (acc, ...a) => accumulate.call(d, acc, ...a),
      getValue: (acc) => getValue.call(d, acc),
      ...(retract ? { retract: (acc: unknown, ...a: unknown[]) => retract.call(d, acc, ...a) } : {}),
      ...(merge ? { merge: (acc: unknown, o: unknown) => merge.call(d, acc, o) } : {}),
      resultType, ...(argTypes ? { argTypes } : {}),
    }, options);
    return;
  }
  const impl = typeof value === 'function' ? (value as (...a: any[]) => any) : fn('eval', true)!;
  const evalFn = (...a: unknown[]): any => impl.apply(d, a);
  if (kind === 'table') {
    catalog.registerTable(name, { eval: evalFn, resultType, ...(argTypes ? { argTypes } : {}) }, options);
  } else {
    const deterministic = d.deterministic === undefined ? true : d.deterministic === true;
    catalog.registerScalar(name, { eval: evalFn, resultType, deterministic, ...(argTypes ? { argTypes } : {}) }, options);
  }
}

// ------------------------------------------------------------------ TypeScript

interface TsApi {
  version: string;
  transpileModule(input: string, options: { compilerOptions: Record<string, unknown>; fileName: string; reportDiagnostics: boolean }): {
    outputText: string;
    diagnostics?: { messageText: string | { messageText: string }; start?: number }[];
  };
  preProcessFile(text: string, readImportFiles: boolean, detectJavaScriptImports: boolean): { importedFiles: { fileName: string; pos: number; end: number }[] };
  ModuleKind: { ESNext: number };
  ScriptTarget: { ES2022: number };
}

let tsApi: Promise<TsApi> | undefined;

/**
 * The `typescript` package, imported only when a .ts function is loaded: it is a large package that
 * scripts with .js functions (or none) do not need, so weir does not depend on it at run time.
 */
function typescript(): Promise<TsApi> {
  tsApi ??= import('typescript').then(
    (m: { default?: unknown }) => (m.default ?? m) as TsApi,
    (e: unknown) => {
      tsApi = undefined;
      throw new UserError('loading a TypeScript function needs the typescript package, which is not installed', {
        origin: 'sql', cause: e, hint: 'npm install typescript, or compile the module to JavaScript and point CREATE FUNCTION at the .js file',
      });
    },
  );
  return tsApi;
}

/** Where transpiled modules go: next to the nearest node_modules, so bare imports still resolve from there. */
function cacheDir(from: string): string {
  if (process.env['WEIR_UDF_CACHE_DIR']) return process.env['WEIR_UDF_CACHE_DIR'];
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'weir', 'udf');
    if (dirname(dir) === dir) return join(tmpdir(), 'weir-udf');
  }
}

/**
 * Transpiles `file` (and the TypeScript modules it imports by relative path) to ES modules in a cache
 * directory, named by a hash of the output, and returns the URL to import. Relative imports are
 * rewritten to absolute URLs because the output lives elsewhere than the source.
 */
async function transpiledUrl(file: string, active = new Set<string>()): Promise<string> {
  const ts = await typescript();
  if (active.has(file)) {
    throw new UserError(`the TypeScript modules of a function import each other in a cycle (through '${file}')`, {
      origin: 'sql', hint: 'break the cycle, or compile the modules to JavaScript',
    });
  }
  active.add(file);
  const source = readFileSync(file, 'utf8');
  const dir = dirname(file);
  let text = source;
  const imports = ts.preProcessFile(source, true, true).importedFiles.filter((i) => i.fileName.startsWith('./') || i.fileName.startsWith('../'));
  // Replace from the end so earlier positions stay valid.
  for (const imp of [...imports].sort((a, b) => b.pos - a.pos)) {
    const target = await importTarget(resolve(dir, imp.fileName), active);
    // `pos` may point at the opening quote, so find the specifier itself from there.
    const at = text.indexOf(imp.fileName, imp.pos);
    if (target !== undefined && at >= 0) text = text.slice(0, at) + target + text.slice(at + imp.fileName.length);
  }
  active.delete(file);
  const out = ts.transpileModule(text, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true, inlineSources: true },
  });
  const diag = out.diagnostics?.[0];
  if (diag) {
    const msg = typeof diag.messageText === 'string' ? diag.messageText : diag.messageText.messageText;
    const line = diag.start === undefined ? '' : `:${text.slice(0, diag.start).split('\n').length}`;
    throw new UserError(`the TypeScript module '${file}${line}' does not compile: ${msg}`, { origin: 'sql' });
  }
  const hash = createHash('sha256').update(ts.version).update('\0').update(file).update('\0').update(out.outputText).digest('hex').slice(0, 16);
  const cache = cacheDir(dir);
  const stem = file.slice(dirname(file).length + 1).replace(/\.[cm]?ts$/, '');
  const target = join(cache, `${stem}-${hash}.mjs`);
  if (!existsSync(target)) {
    mkdirSync(cache, { recursive: true });
    // Write then rename: another process may import the same file at the same time.
    const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, out.outputText);
    renameSync(tmp, target);
  }
  return pathToFileURL(target).href;
}

/** The URL a relative import of a TypeScript module should point at, or undefined to leave it as written. */
async function importTarget(abs: string, active: Set<string>): Promise<string | undefined> {
  const candidates = /\.[cm]?js$/.test(abs) ? [abs, abs.replace(/js$/, 'ts')] : [abs, `${abs}.ts`, `${abs}.js`, join(abs, 'index.ts'), join(abs, 'index.js')];
  for (const c of candidates) {
    if (!existsSync(c) || statSync(c).isDirectory()) continue;
    return TS_EXTENSIONS.has(extname(c)) ? transpiledUrl(c, active) : pathToFileURL(c).href;
  }
  return undefined;
}
