import type * as A from './ast.js';
import { SqlParseError } from './errors.js';
import { CLAUSE_KEYWORDS, NILADIC, RESERVED, RESERVED_FUNCTIONS, STATEMENT_KEYWORDS, TYPE_NAMES, closest } from './keywords.js';
import { type Token, tokenize } from './lexer.js';

const TIME_UNITS: Record<string, A.TimeUnit> = {
  YEAR: 'YEAR', YEARS: 'YEAR', MONTH: 'MONTH', MONTHS: 'MONTH', DAY: 'DAY', DAYS: 'DAY',
  HOUR: 'HOUR', HOURS: 'HOUR', MINUTE: 'MINUTE', MINUTES: 'MINUTE', SECOND: 'SECOND', SECONDS: 'SECOND',
};

const COMPARISON_OPS = new Set(['=', '<>', '!=', '<', '>', '<=', '>=', '<=>']);
const JSON_FUNCTIONS = new Set(['JSON_VALUE', 'JSON_QUERY', 'JSON_EXISTS', 'JSON_OBJECT', 'JSON_ARRAY', 'JSON_OBJECTAGG', 'JSON_ARRAYAGG']);
const EXPLAIN_DETAILS = new Set(['ESTIMATED_COST', 'CHANGELOG_MODE', 'PLAN_ADVICE', 'JSON_EXECUTION_PLAN']);

const MAX_DEPTH = 200;

/** Thrown internally to abandon a speculative parse; never escapes the parser. */
class Backtrack extends Error {}

/**
 * Recursive-descent parser over the token list. Expressions use precedence climbing by levels:
 * OR < AND < NOT < comparison/IS/BETWEEN/IN/LIKE < + - < * / % || < unary < postfix ([], .field).
 */
class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  /** Index of the last token taken as an alias without AS: a misspelt keyword often lands there. */
  private implicitAliasAt = -1;
  private paramCount = 0;
  private depth = 0;

  constructor(private readonly source: string, tokens?: Token[]) {
    this.tokens = tokens ?? tokenize(source);
  }

  // ------------------------------------------------------------ token helpers

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  private prev(): Token {
    return this.tokens[Math.max(this.pos - 1, 0)]!;
  }

  private isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.upper === word;
  }

  private isOp(op: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.value === op;
  }

  private atEnd(): boolean {
    return this.peek().kind === 'eof';
  }

  /** Consumes the keywords in order if all are next. */
  private acceptKw(...words: string[]): boolean {
    for (let i = 0; i < words.length; i++) if (!this.isKw(words[i]!, i)) return false;
    this.pos += words.length;
    return true;
  }

  private acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.pos++;
    return true;
  }

  private expectKw(word: string, hint?: string): Token {
    if (this.isKw(word)) return this.next();
    const t = this.peek();
    const near = t.kind === 'ident' && closest(t.value, [word]) !== undefined;
    throw this.error(`expected ${word} but found ${describe(t)}`, t, near ? `did you mean ${word}?` : hint);
  }

  private expectOp(op: string, hint?: string): Token {
    if (this.isOp(op)) return this.next();
    throw this.error(`expected '${op}' but found ${describe(this.peek())}`, this.peek(), hint);
  }

  /** Expects the closing bracket of `open`, saying where `open` was when it is missing. */
  private expectClose(open: Token): Token {
    const close = open.value === '(' ? ')' : open.value === '[' ? ']' : open.value === '<' ? '>' : '}';
    if (this.isOp(close)) return this.next();
    return this.fail(`expected '${close}' but found ${describe(this.peek())}`, this.peek(),
      `expected '${close}' to close the '${open.value}' at line ${open.line}, column ${open.column}`);
  }

  private error(message: string, t: Token, hint?: string): SqlParseError {
    let h = hint;
    // A keyword misspelt after a complete item gets swallowed as an alias; the error then shows up one
    // token later, so point the hint back at the alias.
    if (this.implicitAliasAt >= 0 && this.tokens.indexOf(t) === this.implicitAliasAt + 1) {
      const alias = this.tokens[this.implicitAliasAt]!;
      const kw = closest(alias.value, CLAUSE_KEYWORDS);
      if (kw !== undefined) h = `'${alias.value}' was read as an alias; did you mean ${kw}?`;
      else if (t.kind === 'ident' || t.kind === 'quoted') {
        h = `'${alias.value}' was read as an alias of what precedes it; separate items with ','`;
      }
    }
    return new SqlParseError(message, { source: this.source, offset: t.start, line: t.line, column: t.column, hint: h });
  }

  private fail(message: string, t: Token = this.peek(), hint?: string): never {
    throw this.error(message, t, hint);
  }

  private span(start: Token): A.Span {
    const end = this.pos > 0 ? this.prev().end : start.end;
    return { start: start.start, end: Math.max(end, start.end), line: start.line, column: start.column };
  }

  /** True if the token can be a bare name here. */
  private isName(k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'quoted' || (t.kind === 'ident' && !RESERVED.has(t.upper));
  }

  private identifier(what = 'a name'): string {
    const t = this.peek();
    if (this.isName()) return this.next().value;
    if (t.kind === 'ident') {
      return this.fail(`${t.value} is a reserved word and cannot be used as ${what}`, t,
        `quote it with back quotes: \`${t.value}\``);
    }
    return this.fail(`expected ${what} but found ${describe(t)}`, t);
  }

  private qualifiedName(what = 'a name'): string[] {
    const parts = [this.identifier(what)];
    while (this.isOp('.') && (this.peek(1).kind === 'ident' || this.peek(1).kind === 'quoted')) {
      this.next();
      parts.push(this.identifier(what));
    }
    return parts;
  }

  private stringLiteral(what: string, hint?: string): string {
    const t = this.peek();
    if (t.kind === 'string') return this.next().value;
    return this.fail(`expected ${what} (a quoted string) but found ${describe(t)}`, t, hint);
  }

  private integer(what: string): number {
    const t = this.peek();
    if (t.kind === 'number' && /^[0-9]+$/.test(t.value)) return Number(this.next().value);
    return this.fail(`expected ${what} (a whole number) but found ${describe(t)}`, t);
  }

  private commaList<T>(item: () => T): T[] {
    const out = [item()];
    while (this.acceptOp(',')) out.push(item());
    return out;
  }

  private parenNameList(what = 'a column name'): string[] {
    const open = this.expectOp('(');
    const names = this.commaList(() => this.identifier(what));
    this.expectClose(open);
    return names;
  }

  // ------------------------------------------------------------ hints

  /** Hints written as a `/*+ ... *\/` comment just before the next token, if any. */
  private hintsHere(): A.Hint[] | undefined {
    const h = this.peek().hint;
    if (!h) return undefined;
    // Blank out everything before the hint body so positions in the sub-parse match the script.
    const padded = this.source.slice(0, h.bodyStart).replace(/[^\n]/g, ' ') + h.body;
    const sub = new Parser(this.source, tokenize(padded));
    return sub.hintList();
  }

  hintList(): A.Hint[] {
    const out: A.Hint[] = [];
    do {
      const name = this.identifier('a hint name').toUpperCase();
      const options: A.Property[] = [];
      const args: string[] = [];
      if (this.isOp('(')) {
        const open = this.next();
        if (!this.isOp(')')) {
          do {
            const t = this.peek();
            if ((t.kind === 'string' || this.isName()) && this.isOp('=', 1)) {
              this.pos += 2;
              options.push({ key: t.value, value: this.stringLiteral('a hint option value', "write /*+ OPTIONS('key' = 'value') */") });
            } else if (t.kind === 'string') {
              args.push(this.next().value);
            } else {
              args.push(this.qualifiedName('a hint argument').join('.'));
            }
          } while (this.acceptOp(','));
        }
        this.expectClose(open);
      }
      out.push({ name, options, args });
    } while (this.acceptOp(','));
    if (!this.atEnd()) {
      this.fail(`unexpected ${describe(this.peek())} in a hint`, this.peek(), "write /*+ NAME('key' = 'value'), OTHER(arg) */");
    }
    return out;
  }

  // ------------------------------------------------------------ scripts and statements

  parseScript(): A.Statement[] {
    const out: A.Statement[] = [];
    while (!this.atEnd()) {
      if (this.acceptOp(';')) continue;
      out.push(this.parseStatement());
      if (!this.atEnd() && !this.isOp(';')) this.unexpectedAfterStatement();
    }
    return out;
  }

  /** Fails on the token that follows a complete statement, guessing what was meant. */
  unexpectedAfterStatement(): never {
    const t = this.peek();
    const kw = t.kind === 'ident' ? closest(t.value, CLAUSE_KEYWORDS) : undefined;
    const hint = kw !== undefined
      ? `did you mean ${kw}?`
      : t.kind === 'op' && t.value === ')'
        ? "this ')' has no matching '('"
        : "end the statement with ';' before starting another";
    return this.fail(`unexpected ${describe(t)}`, t, hint);
  }

  expectEnd(): void {
    this.acceptOp(';');
    if (!this.atEnd()) this.unexpectedAfterStatement();
  }

  parseStatement(): A.Statement {
    const t = this.peek();
    if (t.kind !== 'ident' && !this.isOp('(')) {
      return this.fail(`expected a statement but found ${describe(t)}`, t);
    }
    switch (t.upper) {
      case 'SELECT': case 'WITH': case 'VALUES':
        return this.queryStatement();
      case 'CREATE': return this.create();
      case 'SET': return this.set();
      case 'RESET': {
        this.next();
        const key = this.peek().kind === 'string' ? this.next().value : undefined;
        return { kind: 'Reset', ...(key !== undefined ? { key } : {}), span: this.span(t) };
      }
      case 'INSERT': return this.insert();
      case 'EXECUTE': return this.execute();
      case 'BEGIN': return this.beginStatementSet();
      case 'EXPLAIN': return this.explain();
      case 'SHOW': return this.show();
      case 'DESCRIBE': case 'DESC': return this.describeStatement();
      case 'DROP': return this.drop();
      case 'USE': {
        this.next();
        const catalog = this.acceptKw('CATALOG');
        return { kind: 'Use', catalog, name: this.qualifiedName('a catalog or database name'), span: this.span(t) };
      }
      case 'ALTER':
        return this.fail('ALTER statements are not supported by weir', t, 'drop the object and create it again');
      default:
        if (this.isOp('(')) return this.queryStatement();
    }
    const kw = closest(t.value, STATEMENT_KEYWORDS);
    return this.fail(`unknown statement starting with ${describe(t)}`, t,
      kw !== undefined ? `did you mean ${kw}?` : `a statement starts with one of ${STATEMENT_KEYWORDS.join(', ')}`);
  }

  private queryStatement(): A.QueryStatement {
    const t = this.peek();
    const query = this.parseQuery();
    return { kind: 'QueryStatement', query, span: this.span(t) };
  }

  private set(): A.SetStatement {
    const t = this.next();
    if (this.atEnd() || this.isOp(';')) return { kind: 'Set', span: this.span(t) };
    const quoteHint = "quote key and value: SET 'key' = 'value'";
    const key = this.stringLiteral('an option key', quoteHint);
    this.expectOp('=', quoteHint);
    const value = this.stringLiteral('an option value', quoteHint);
    return { kind: 'Set', key, value, span: this.span(t) };
  }

  private create(): A.Statement {
    const t = this.next();
    if (this.isKw('OR')) {
      return this.fail('CREATE OR REPLACE is not supported by weir', this.peek(), 'use DROP ... IF EXISTS, then CREATE');
    }
    const temporary = this.acceptKw('TEMPORARY');
    const system = this.acceptKw('SYSTEM');
    const what = this.peek();
    if (this.acceptKw('TABLE')) {
      if (system) this.fail('only functions can be SYSTEM', what);
      return this.createTable(t, temporary);
    }
    if (this.acceptKw('VIEW')) {
      if (system) this.fail('only functions can be SYSTEM', what);
      return this.createView(t, temporary);
    }
    if (this.acceptKw('FUNCTION')) return this.createFunction(t, temporary, system);
    if (this.acceptKw('MODEL')) {
      if (system) this.fail('only functions can be SYSTEM', what);
      return this.createModel(t, temporary);
    }
    if (!temporary && !system && (this.isKw('CATALOG') || this.isKw('DATABASE'))) {
      const catalog = this.next().upper === 'CATALOG';
      const ifNotExists = this.ifNotExists();
      const name = catalog ? [this.identifier('a catalog name')] : this.qualifiedName('a database name');
      const comment = this.acceptKw('COMMENT') ? this.stringLiteral('a comment') : undefined;
      const options = this.isKw('WITH') ? this.withOptions() : [];
      const base = { ifNotExists, ...(comment !== undefined ? { comment } : {}), options, span: this.span(t) };
      return catalog ? { kind: 'CreateCatalog', name: name[0]!, ...base } : { kind: 'CreateDatabase', name, ...base };
    }
    const kw = what.kind === 'ident' ? closest(what.value, ['TABLE', 'VIEW', 'FUNCTION', 'MODEL', 'TEMPORARY', 'CATALOG', 'DATABASE']) : undefined;
    return this.fail(`expected TABLE, VIEW, FUNCTION, MODEL, CATALOG or DATABASE after CREATE but found ${describe(what)}`, what,
      kw !== undefined ? `did you mean ${kw}?` : undefined);
  }

  private ifNotExists(): boolean {
    return this.acceptKw('IF', 'NOT', 'EXISTS');
  }

  private createTable(t: Token, temporary: boolean): A.CreateTable {
    const ifNotExists = this.ifNotExists();
    const name = this.qualifiedName('a table name');
    const columns: A.ColumnDef[] = [];
    let watermark: A.Watermark | undefined;
    let primaryKey: A.PrimaryKey | undefined;
    if (this.isOp('(')) {
      const open = this.next();
      do {
        if (this.isOp(')')) this.fail('expected a column definition but found \')\'', this.peek(), "remove the trailing ','");
        const elemStart = this.peek();
        if (this.isKw('WATERMARK') && this.isKw('FOR', 1)) {
          if (watermark) this.fail('a table can have only one WATERMARK', elemStart);
          this.pos += 2;
          const column = this.qualifiedName('the rowtime column');
          this.expectKw('AS', 'write WATERMARK FOR col AS col - INTERVAL \'5\' SECOND');
          watermark = { column, expr: this.parseExpr() };
        } else if ((this.isKw('PRIMARY') && this.isKw('KEY', 1)) || (this.isKw('CONSTRAINT') && this.isKw('PRIMARY', 2))) {
          if (primaryKey) this.fail('a table can have only one PRIMARY KEY', elemStart);
          const cname = this.acceptKw('CONSTRAINT') ? this.identifier('a constraint name') : undefined;
          this.expectKw('PRIMARY');
          this.expectKw('KEY');
          const cols = this.parenNameList();
          this.notEnforced();
          primaryKey = { ...(cname !== undefined ? { name: cname } : {}), columns: cols, enforced: false };
        } else {
          const col = this.columnDef();
          if (col.kind === 'PhysicalColumn' && col.primaryKey) {
            if (primaryKey) this.fail('a table can have only one PRIMARY KEY', elemStart);
            primaryKey = { columns: [col.name], enforced: false };
          }
          columns.push(col);
        }
      } while (this.acceptOp(','));
      if (!this.isOp(')')) {
        const p = this.peek();
        if (this.isName() || p.kind === 'ident') {
          this.fail(`expected ',' or ')' but found ${describe(p)}`, p, "separate column definitions with ','");
        }
        this.expectClose(open);
      }
      this.next();
    }
    const comment = this.acceptKw('COMMENT') ? this.stringLiteral('a comment') : undefined;
    let partitionedBy: string[] = [];
    if (this.acceptKw('PARTITIONED')) {
      this.expectKw('BY');
      partitionedBy = this.parenNameList();
    }
    const options = this.isKw('WITH') ? this.withOptions() : [];
    if (this.isKw('LIKE')) {
      this.fail('CREATE TABLE ... LIKE is not supported by weir', this.peek(),
        'list the columns and WITH options of the new table explicitly');
    }
    let asQuery: A.Query | undefined;
    if (this.acceptKw('AS')) asQuery = this.parseQuery();
    if (columns.length === 0 && asQuery === undefined) {
      this.fail(`table ${name.join('.')} has no columns`, t, 'list the columns in parentheses after the table name');
    }
    return {
      kind: 'CreateTable', name, temporary, ifNotExists, columns,
      ...(watermark ? { watermark } : {}), ...(primaryKey ? { primaryKey } : {}),
      ...(comment !== undefined ? { comment } : {}), partitionedBy, options,
      ...(asQuery ? { asQuery } : {}), span: this.span(t),
    };
  }

  private notEnforced(): void {
    if (this.acceptKw('NOT', 'ENFORCED')) return;
    this.fail(`expected NOT ENFORCED but found ${describe(this.peek())}`, this.peek(),
      'Flink does not check primary keys; write PRIMARY KEY (...) NOT ENFORCED');
  }

  private columnDef(): A.ColumnDef {
    const start = this.peek();
    const name = this.identifier('a column name');
    if (this.acceptKw('AS')) {
      const expr = this.parseExpr();
      const comment = this.acceptKw('COMMENT') ? this.stringLiteral('a comment') : undefined;
      return { kind: 'ComputedColumn', name, expr, ...(comment !== undefined ? { comment } : {}), span: this.span(start) };
    }
    if (this.isOp(',') || this.isOp(')')) {
      this.fail(`column ${name} has no type`, this.peek(), `write a type after the name, e.g. ${name} BIGINT`);
    }
    const type = this.parseDataType();
    if (this.acceptKw('METADATA')) {
      const from = this.acceptKw('FROM') ? this.stringLiteral('a metadata key') : undefined;
      const virtual = this.acceptKw('VIRTUAL');
      const comment = this.acceptKw('COMMENT') ? this.stringLiteral('a comment') : undefined;
      return {
        kind: 'MetadataColumn', name, type, ...(from !== undefined ? { from } : {}), virtual,
        ...(comment !== undefined ? { comment } : {}), span: this.span(start),
      };
    }
    let primaryKey = false;
    if (this.isKw('CONSTRAINT') || this.isKw('PRIMARY')) {
      if (this.acceptKw('CONSTRAINT')) this.identifier('a constraint name');
      this.expectKw('PRIMARY');
      this.expectKw('KEY');
      this.notEnforced();
      primaryKey = true;
    }
    const comment = this.acceptKw('COMMENT') ? this.stringLiteral('a comment') : undefined;
    return {
      kind: 'PhysicalColumn', name, type, ...(comment !== undefined ? { comment } : {}),
      ...(primaryKey ? { primaryKey } : {}), span: this.span(start),
    };
  }

  private withOptions(): A.Property[] {
    this.expectKw('WITH');
    return this.properties();
  }

  private properties(): A.Property[] {
    const open = this.expectOp('(');
    const out: A.Property[] = [];
    if (this.isOp(')')) {
      this.next();
      return out;
    }
    const hint = "option keys and values are quoted strings: 'connector' = 'kafka'";
    do {
      const key = this.stringLiteral('an option key', hint);
      this.expectOp('=', hint);
      const value = this.stringLiteral('an option value', hint);
      out.push({ key, value });
    } while (this.acceptOp(','));
    this.expectClose(open);
    return out;
  }

  private createView(t: Token, temporary: boolean): A.CreateView {
    const ifNotExists = this.ifNotExists();
    const name = this.qualifiedName('a view name');
    const columns = this.isOp('(') ? this.parenNameList() : undefined;
    const comment = this.acceptKw('COMMENT') ? this.stringLiteral('a comment') : undefined;
    this.expectKw('AS');
    const query = this.parseQuery();
    return {
      kind: 'CreateView', name, temporary, ifNotExists, ...(columns ? { columns } : {}),
      ...(comment !== undefined ? { comment } : {}), query, span: this.span(t),
    };
  }

  private createFunction(t: Token, temporary: boolean, system: boolean): A.CreateFunction {
    const ifNotExists = this.ifNotExists();
    const name = this.qualifiedName('a function name');
    this.expectKw('AS');
    const identifier = this.stringLiteral('the function class or identifier', "write AS './udfs.js#myFunction'");
    let language: A.CreateFunction['language'];
    if (this.acceptKw('LANGUAGE')) {
      const l = this.peek();
      const up = l.kind === 'ident' ? l.upper : '';
      if (!['JAVA', 'SCALA', 'PYTHON', 'JAVASCRIPT', 'TYPESCRIPT', 'SQL'].includes(up)) {
        this.fail(`unknown function language ${describe(l)}`, l, 'use JAVASCRIPT or TYPESCRIPT (weir), or JAVA, SCALA, PYTHON, SQL (Flink)');
      }
      this.next();
      language = up as A.CreateFunction['language'];
    }
    if (this.isKw('USING')) this.fail('CREATE FUNCTION ... USING JAR is not supported by weir', this.peek());
    return {
      kind: 'CreateFunction', name, temporary, system, ifNotExists, identifier,
      ...(language ? { language } : {}), span: this.span(t),
    };
  }

  private modelColumns(what: string): A.PhysicalColumn[] {
    const open = this.expectOp('(', `write ${what} (name TYPE, ...)`);
    const cols = this.commaList(() => {
      const c = this.columnDef();
      if (c.kind !== 'PhysicalColumn' || c.primaryKey) {
        this.fail(`${what} columns must be plain 'name TYPE' columns`, this.tokens.find((x) => x.start === c.span.start));
      }
      return c as A.PhysicalColumn;
    });
    this.expectClose(open);
    return cols;
  }

  private createModel(t: Token, temporary: boolean): A.CreateModel {
    const ifNotExists = this.ifNotExists();
    const name = this.qualifiedName('a model name');
    const input = this.acceptKw('INPUT') ? this.modelColumns('INPUT') : [];
    const output = this.acceptKw('OUTPUT') ? this.modelColumns('OUTPUT') : [];
    const comment = this.acceptKw('COMMENT') ? this.stringLiteral('a comment') : undefined;
    if (!this.isKw('WITH')) {
      this.fail(`expected WITH (...) options but found ${describe(this.peek())}`, this.peek(),
        "a model needs options, e.g. WITH ('provider' = 'onnx', ...)");
    }
    const options = this.withOptions();
    return {
      kind: 'CreateModel', name, temporary, ifNotExists, input, output,
      ...(comment !== undefined ? { comment } : {}), options, span: this.span(t),
    };
  }

  private insert(): A.Insert {
    const t = this.next();
    let overwrite = false;
    if (this.acceptKw('OVERWRITE')) overwrite = true;
    else this.expectKw('INTO', 'write INSERT INTO table SELECT ...');
    const table = this.qualifiedName('a table name');
    const hints = this.hintsHere();
    let partition: A.Property[] = [];
    if (this.acceptKw('PARTITION')) {
      const open = this.expectOp('(');
      partition = this.commaList(() => {
        const key = this.identifier('a partition column');
        this.expectOp('=');
        const v = this.peek();
        if (v.kind !== 'string' && v.kind !== 'number') this.fail(`expected a partition value but found ${describe(v)}`, v);
        this.next();
        return { key, value: v.value };
      });
      this.expectClose(open);
    }
    // `(` starts a column list unless it opens the query itself.
    let columns: string[] | undefined;
    if (this.isOp('(') && !this.isKw('SELECT', 1) && !this.isKw('WITH', 1) && !this.isKw('VALUES', 1) && !this.isOp('(', 1)) {
      columns = this.parenNameList();
    }
    if (!this.isKw('SELECT') && !this.isKw('WITH') && !this.isKw('VALUES') && !this.isOp('(')) {
      const p = this.peek();
      const kw = p.kind === 'ident' ? closest(p.value, ['SELECT', 'VALUES', 'WITH']) : undefined;
      this.fail(`expected a query after INSERT INTO ${table.join('.')} but found ${describe(p)}`, p,
        kw ? `did you mean ${kw}?` : 'write INSERT INTO table SELECT ...');
    }
    const query = this.parseQuery();
    return {
      kind: 'Insert', overwrite, table, ...(hints ? { hints } : {}), partition, ...(columns ? { columns } : {}), query, span: this.span(t),
    };
  }

  private execute(): A.Statement {
    const t = this.next();
    if (this.acceptKw('STATEMENT')) {
      this.expectKw('SET');
      this.expectKw('BEGIN');
      const inserts = this.statementSetBody();
      return { kind: 'StatementSet', inserts, execute: true, span: this.span(t) };
    }
    if (this.isKw('INSERT')) return this.insert();
    if (this.isKw('SELECT') || this.isKw('WITH') || this.isKw('VALUES')) return this.queryStatement();
    return this.fail(`expected STATEMENT SET, INSERT or a query after EXECUTE but found ${describe(this.peek())}`);
  }

  private beginStatementSet(): A.StatementSet {
    const t = this.next();
    this.expectKw('STATEMENT', 'write BEGIN STATEMENT SET;');
    this.expectKw('SET');
    this.expectOp(';', "write BEGIN STATEMENT SET; then the INSERT statements, then END;");
    const inserts = this.statementSetBody();
    return { kind: 'StatementSet', inserts, execute: false, span: this.span(t) };
  }

  /** INSERTs, each ended by ';', up to and including END. */
  private statementSetBody(): A.Insert[] {
    const inserts: A.Insert[] = [];
    while (!this.acceptKw('END')) {
      if (this.acceptOp(';')) continue;
      if (!this.isKw('INSERT')) {
        this.fail(`a statement set holds only INSERT statements, found ${describe(this.peek())}`, this.peek(),
          'close the statement set with END');
      }
      inserts.push(this.insert());
      if (!this.isKw('END')) this.expectOp(';', "end each INSERT in a statement set with ';'");
    }
    if (inserts.length === 0) this.fail('a statement set needs at least one INSERT', this.prev());
    return inserts;
  }

  private explain(): A.Explain {
    const t = this.next();
    const details: string[] = [];
    let planFor = false;
    if (this.acceptKw('PLAN', 'FOR')) {
      planFor = true;
    } else {
      while (this.peek().kind === 'ident' && EXPLAIN_DETAILS.has(this.peek().upper)) {
        details.push(this.next().upper);
        if (!this.acceptOp(',')) break;
      }
    }
    if (this.isKw('STATEMENT') && this.isKw('SET', 1)) {
      const st = this.next();
      this.next();
      this.expectKw('BEGIN', 'write EXPLAIN STATEMENT SET BEGIN ... END');
      const inserts = this.statementSetBody();
      const statement: A.StatementSet = { kind: 'StatementSet', inserts, execute: false, span: this.span(st) };
      return { kind: 'Explain', details, planFor, statement, span: this.span(t) };
    }
    const s = this.parseStatement();
    if (s.kind !== 'QueryStatement' && s.kind !== 'Insert' && s.kind !== 'StatementSet') {
      this.fail('EXPLAIN takes a query, an INSERT or a statement set', t);
    }
    return { kind: 'Explain', details, planFor, statement: s, span: this.span(t) };
  }

  private show(): A.Statement {
    const t = this.next();
    if (this.acceptKw('CREATE')) {
      const o = this.peek();
      if (!this.acceptKw('TABLE') && !this.acceptKw('VIEW') && !this.acceptKw('MODEL')) {
        this.fail(`expected TABLE, VIEW or MODEL but found ${describe(o)}`, o);
      }
      const name = this.qualifiedName();
      return { kind: 'ShowCreate', object: o.upper as 'TABLE' | 'VIEW' | 'MODEL', name, span: this.span(t) };
    }
    const objects = ['TABLES', 'VIEWS', 'FUNCTIONS', 'MODELS', 'CATALOGS', 'DATABASES', 'MODULES', 'JARS'];
    let object: A.ShowObject;
    if (this.acceptKw('USER', 'FUNCTIONS')) object = 'USER FUNCTIONS';
    else {
      const o = this.peek();
      if (o.kind !== 'ident' || !objects.includes(o.upper)) {
        const kw = o.kind === 'ident' ? closest(o.value, objects) : undefined;
        this.fail(`expected one of ${objects.join(', ')} after SHOW but found ${describe(o)}`, o,
          kw ? `did you mean ${kw}?` : undefined);
      }
      this.next();
      object = o.upper as A.ShowObject;
    }
    return { kind: 'Show', object, span: this.span(t) };
  }

  private describeStatement(): A.Describe {
    const t = this.next();
    const extended = this.acceptKw('EXTENDED');
    const model = this.isKw('MODEL') && this.isName(1) ? (this.next(), true) : false;
    const name = this.qualifiedName('a table name');
    return { kind: 'Describe', name, extended, model, span: this.span(t) };
  }

  private drop(): A.Drop {
    const t = this.next();
    const temporary = this.acceptKw('TEMPORARY');
    const system = this.acceptKw('SYSTEM');
    const o = this.peek();
    const objects = ['TABLE', 'VIEW', 'FUNCTION', 'MODEL', 'CATALOG', 'DATABASE'];
    if (o.kind !== 'ident' || !objects.includes(o.upper)) {
      const kw = o.kind === 'ident' ? closest(o.value, objects) : undefined;
      this.fail(`expected TABLE, VIEW, FUNCTION, MODEL, CATALOG or DATABASE after DROP but found ${describe(o)}`, o,
        kw ? `did you mean ${kw}?` : undefined);
    }
    this.next();
    const ifExists = this.acceptKw('IF', 'EXISTS');
    const name = this.qualifiedName();
    let cascade: boolean | undefined;
    if (o.upper === 'DATABASE') {
      if (this.acceptKw('CASCADE')) cascade = true;
      else if (this.acceptKw('RESTRICT')) cascade = false;
    }
    return {
      kind: 'Drop', object: o.upper as A.Drop['object'], name, ifExists, ...(cascade !== undefined ? { cascade } : {}),
      temporary, system, span: this.span(t),
    };
  }

  // ------------------------------------------------------------ queries

  private startsQuery(k = 0): boolean {
    return this.isKw('SELECT', k) || this.isKw('WITH', k) || this.isKw('VALUES', k);
  }

  parseQuery(): A.Query {
    return this.nested(() => this.query());
  }

  private query(): A.Query {
    const t = this.peek();
    const ctes: A.CommonTableExpr[] = [];
    if (this.acceptKw('WITH')) {
      do {
        const name = this.identifier('a CTE name');
        const columns = this.isOp('(') ? this.parenNameList() : undefined;
        this.expectKw('AS');
        const open = this.expectOp('(');
        const query = this.parseQuery();
        this.expectClose(open);
        ctes.push({ name, ...(columns ? { columns } : {}), query });
      } while (this.acceptOp(','));
    }
    const body = this.setExpression();
    const orderBy = this.acceptKw('ORDER', 'BY') ? this.commaList(() => this.orderItem()) : [];
    let limit: A.Expr | undefined;
    let offset: A.Expr | undefined;
    if (this.acceptKw('LIMIT')) limit = this.parseExpr();
    if (this.acceptKw('OFFSET')) {
      offset = this.parseExpr();
      if (!this.acceptKw('ROWS')) this.acceptKw('ROW');
    }
    if (this.acceptKw('FETCH')) {
      if (!this.acceptKw('FIRST')) this.expectKw('NEXT');
      limit = this.parseExpr();
      if (!this.acceptKw('ROWS')) this.expectKw('ROW');
      this.expectKw('ONLY');
    }
    if (ctes.length === 0 && orderBy.length === 0 && !limit && !offset && body.kind === 'Query') return body;
    return {
      kind: 'Query', with: ctes, body, orderBy, ...(limit ? { limit } : {}), ...(offset ? { offset } : {}),
      span: this.span(t),
    };
  }

  private setExpression(): A.QueryBody {
    let left = this.intersectExpression();
    while (this.isKw('UNION') || this.isKw('EXCEPT') || this.isKw('MINUS')) {
      const opTok = this.next();
      const op = opTok.upper === 'UNION' ? 'UNION' : 'EXCEPT';
      const all = this.acceptKw('ALL');
      if (!all) this.acceptKw('DISTINCT');
      const right = this.intersectExpression();
      left = { kind: 'SetOperation', op, all, left, right, span: this.spanBetween(left.span, right.span) };
    }
    return left;
  }

  private intersectExpression(): A.QueryBody {
    let left = this.queryPrimary();
    while (this.isKw('INTERSECT')) {
      this.next();
      const all = this.acceptKw('ALL');
      if (!all) this.acceptKw('DISTINCT');
      const right = this.queryPrimary();
      left = { kind: 'SetOperation', op: 'INTERSECT', all, left, right, span: this.spanBetween(left.span, right.span) };
    }
    return left;
  }

  private spanBetween(a: A.Span, b: A.Span): A.Span {
    return { start: a.start, end: b.end, line: a.line, column: a.column };
  }

  private queryPrimary(): A.QueryBody {
    const t = this.peek();
    if (this.isKw('SELECT')) return this.select();
    if (this.acceptKw('VALUES')) {
      const rows = this.commaList(() => {
        const e = this.parseExpr();
        return e.kind === 'RowConstructor' ? e.fields : [e];
      });
      return { kind: 'Values', rows, span: this.span(t) };
    }
    if (this.isOp('(')) {
      const open = this.next();
      const q = this.parseQuery();
      this.expectClose(open);
      return { ...q, span: this.span(open) };
    }
    const kw = t.kind === 'ident' ? closest(t.value, ['SELECT', 'VALUES', 'WITH']) : undefined;
    return this.fail(`expected a query but found ${describe(t)}`, t, kw ? `did you mean ${kw}?` : undefined);
  }

  private select(): A.Select {
    const t = this.next();
    const hints = this.hintsHere();
    const distinct = this.acceptKw('DISTINCT');
    if (!distinct) this.acceptKw('ALL');
    const items = this.commaList(() => this.selectItem());
    const from = this.acceptKw('FROM') ? this.fromClause() : undefined;
    const where = this.acceptKw('WHERE') ? this.parseExpr() : undefined;
    let groupBy: A.GroupItem[] = [];
    if (this.isKw('GROUP')) {
      this.next();
      this.expectKw('BY', 'write GROUP BY col, ...');
      groupBy = this.commaList(() => this.groupItem());
    }
    const having = this.acceptKw('HAVING') ? this.parseExpr() : undefined;
    const windows: A.NamedWindow[] = [];
    if (this.acceptKw('WINDOW')) {
      do {
        const name = this.identifier('a window name');
        this.expectKw('AS');
        windows.push({ name, spec: this.windowSpec() });
      } while (this.acceptOp(','));
    }
    return {
      kind: 'Select', ...(hints ? { hints } : {}), distinct, items, ...(from ? { from } : {}), ...(where ? { where } : {}), groupBy,
      ...(having ? { having } : {}), windows, span: this.span(t),
    };
  }

  private selectItem(): A.SelectItem {
    const p = this.peek();
    if (p.kind === 'ident' && RESERVED.has(p.upper) && ['FROM', 'WHERE', 'GROUP', 'ORDER'].includes(p.upper)) {
      const before = this.prev();
      this.fail(`expected a select item but found ${p.upper}`, p,
        before.value === ',' ? `remove the trailing ',' before ${p.upper}` : `list the columns to select before ${p.upper}`);
    }
    const expr = this.parseExpr();
    const alias = this.optionalAlias();
    return { expr, ...(alias !== undefined ? { alias } : {}) };
  }

  /** `[AS] name`; without AS, only a non-reserved word counts (and is remembered for hints). */
  private optionalAlias(): string | undefined {
    if (this.acceptKw('AS')) return this.identifier('an alias');
    if (this.isName()) {
      this.implicitAliasAt = this.pos;
      return this.next().value;
    }
    return undefined;
  }

  private tableAlias(): A.TableAlias | undefined {
    const name = this.optionalAlias();
    if (name === undefined) return undefined;
    const columns = this.isOp('(') ? this.parenNameList() : undefined;
    return { name, ...(columns ? { columns } : {}) };
  }

  private groupItem(): A.GroupItem {
    const t = this.peek();
    if (this.acceptKw('GROUPING', 'SETS')) {
      const open = this.expectOp('(');
      const items = this.commaList(() => this.groupItem());
      this.expectClose(open);
      return { kind: 'GroupingSets', items, span: this.span(t) };
    }
    if ((this.isKw('ROLLUP') || this.isKw('CUBE')) && this.isOp('(', 1)) {
      const kind = this.next().upper === 'ROLLUP' ? 'Rollup' : 'Cube';
      const open = this.next();
      const items = this.commaList(() => this.parseExpr());
      this.expectClose(open);
      return { kind, items, span: this.span(t) };
    }
    if (this.isOp('(') && this.isOp(')', 1)) {
      this.pos += 2;
      return { kind: 'EmptyGroup', span: this.span(t) };
    }
    return this.parseExpr();
  }

  private orderItem(): A.OrderItem {
    const expr = this.parseExpr();
    let direction: A.OrderItem['direction'];
    if (this.acceptKw('ASC')) direction = 'ASC';
    else if (this.acceptKw('DESC')) direction = 'DESC';
    let nulls: A.OrderItem['nulls'];
    if (this.acceptKw('NULLS')) {
      if (this.acceptKw('FIRST')) nulls = 'FIRST';
      else {
        this.expectKw('LAST');
        nulls = 'LAST';
      }
    }
    return { expr, ...(direction ? { direction } : {}), ...(nulls ? { nulls } : {}) };
  }

  private windowSpec(): A.WindowSpec {
    const open = this.expectOp('(');
    let base: string | undefined;
    if (this.isName() && !this.isKw('PARTITION') && !this.isKw('ORDER') && !this.isKw('ROWS') && !this.isKw('RANGE')) {
      base = this.identifier();
    }
    const partitionBy = this.acceptKw('PARTITION', 'BY') ? this.commaList(() => this.parseExpr()) : [];
    const orderBy = this.acceptKw('ORDER', 'BY') ? this.commaList(() => this.orderItem()) : [];
    let frame: A.WindowFrame | undefined;
    if (this.isKw('ROWS') || this.isKw('RANGE')) {
      const unit = this.next().upper as 'ROWS' | 'RANGE';
      if (this.acceptKw('BETWEEN')) {
        const start = this.frameBound();
        this.expectKw('AND');
        const end = this.frameBound();
        frame = { unit, start, end };
      } else {
        frame = { unit, start: this.frameBound() };
      }
    }
    this.expectClose(open);
    return {
      kind: 'WindowSpec', ...(base !== undefined ? { base } : {}), partitionBy, orderBy,
      ...(frame ? { frame } : {}), span: this.span(open),
    };
  }

  private frameBound(): A.FrameBound {
    if (this.acceptKw('UNBOUNDED')) {
      if (this.acceptKw('PRECEDING')) return { kind: 'UnboundedPreceding' };
      this.expectKw('FOLLOWING');
      return { kind: 'UnboundedFollowing' };
    }
    if (this.acceptKw('CURRENT', 'ROW')) return { kind: 'CurrentRow' };
    const offset = this.additive();
    if (this.acceptKw('PRECEDING')) return { kind: 'Preceding', offset };
    if (this.acceptKw('FOLLOWING')) return { kind: 'Following', offset };
    return this.fail(`expected PRECEDING or FOLLOWING but found ${describe(this.peek())}`, this.peek(),
      'a frame bound is UNBOUNDED PRECEDING, n PRECEDING, CURRENT ROW, n FOLLOWING or UNBOUNDED FOLLOWING');
  }

  // ------------------------------------------------------------ FROM

  private fromClause(): A.TableRef {
    let left = this.tableReference();
    for (;;) {
      const t = this.peek();
      if (this.acceptOp(',')) {
        const right = this.tableReference();
        left = { kind: 'Join', joinType: 'COMMA', left, right, span: this.spanBetween(left.span, right.span) };
        continue;
      }
      let joinType: A.JoinType | undefined;
      if (this.acceptKw('CROSS', 'JOIN')) joinType = 'CROSS';
      else if (this.acceptKw('JOIN') || this.acceptKw('INNER', 'JOIN')) joinType = 'INNER';
      else if (this.isKw('LEFT') || this.isKw('RIGHT') || this.isKw('FULL')) {
        joinType = this.next().upper as A.JoinType;
        this.acceptKw('OUTER');
        this.expectKw('JOIN');
      } else if (this.isKw('NATURAL')) {
        this.fail('NATURAL JOIN is not supported by Flink SQL', t, 'write JOIN ... USING (columns) or JOIN ... ON ...');
      }
      if (joinType === undefined) return left;
      const right = this.tableReference();
      let on: A.Expr | undefined;
      let using: string[] | undefined;
      if (joinType !== 'CROSS') {
        if (this.acceptKw('ON')) on = this.parseExpr();
        else if (this.acceptKw('USING')) using = this.parenNameList();
        else {
          this.fail(`expected ON or USING after the joined table but found ${describe(this.peek())}`, this.peek(),
            'write JOIN t ON a.k = t.k, or CROSS JOIN for a cross product');
        }
      }
      left = {
        kind: 'Join', joinType, left, right, ...(on ? { on } : {}), ...(using ? { using } : {}),
        span: { ...left.span, end: this.prev().end },
      };
    }
  }

  private tableReference(): A.TableRef {
    let ref = this.tablePrimary();
    if (this.isKw('MATCH_RECOGNIZE')) ref = this.matchRecognize(ref);
    if (ref.kind !== 'Join' && ref.alias === undefined) {
      const alias = this.tableAlias();
      if (alias) ref = { ...ref, alias, span: { ...ref.span, end: this.prev().end } };
    }
    return ref;
  }

  private tablePrimary(): A.TableRef {
    const t = this.peek();
    const lateral = this.acceptKw('LATERAL');
    if (this.isKw('TABLE') && this.isOp('(', 1)) {
      this.next();
      const open = this.next();
      const call = this.tableFunctionCall();
      this.expectClose(open);
      return { kind: 'TableFunction', call, lateral, tableWrapper: true, span: this.span(t) };
    }
    if (this.isKw('UNNEST')) {
      this.next();
      const open = this.expectOp('(');
      const args = this.commaList(() => this.parseExpr());
      this.expectClose(open);
      const withOrdinality = this.acceptKw('WITH', 'ORDINALITY');
      return { kind: 'Unnest', args, withOrdinality, lateral, span: this.span(t) };
    }
    if (this.isOp('(')) {
      if (this.startsQuery(1)) return this.derivedTable(t, lateral);
      if (this.isOp('(', 1)) {
        const save = this.pos;
        try {
          return this.derivedTable(t, lateral);
        } catch (e) {
          if (!(e instanceof SqlParseError)) throw e;
          this.pos = save;
        }
      }
      const open = this.next();
      const inner = this.nested(() => this.fromClause());
      this.expectClose(open);
      return { kind: 'ParenTable', inner, span: this.span(t) };
    }
    if (lateral) this.fail(`expected TABLE(...) or a subquery after LATERAL but found ${describe(this.peek())}`);
    const nameTok = this.peek();
    if (nameTok.kind === 'ident' && RESERVED.has(nameTok.upper)) {
      this.fail(`expected a table but found ${nameTok.upper}`, nameTok,
        ['WHERE', 'GROUP', 'ORDER', 'JOIN'].includes(nameTok.upper) ? `name the table before ${nameTok.upper}`
          : `quote it with back quotes if it is a table name: \`${nameTok.value}\``);
    }
    const name = this.qualifiedName('a table name');
    if (this.isOp('(')) {
      const call = this.functionCallRest(name, nameTok);
      return { kind: 'TableFunction', call, lateral: false, tableWrapper: false, span: this.span(t) };
    }
    const hints = this.hintsHere();
    let forSystemTime: A.Expr | undefined;
    if (this.acceptKw('FOR')) {
      this.expectKw('SYSTEM_TIME');
      this.expectKw('AS');
      this.expectKw('OF');
      forSystemTime = this.parseExpr();
    }
    return {
      kind: 'NamedTable', name, ...(hints ? { hints } : {}), ...(forSystemTime ? { forSystemTime } : {}), span: this.span(t),
    };
  }

  private derivedTable(t: Token, lateral: boolean): A.DerivedTableRef {
    const open = this.next();
    const query = this.parseQuery();
    this.expectClose(open);
    return { kind: 'DerivedTable', query, lateral, span: this.span(t) };
  }

  private tableFunctionCall(): A.FunctionCall {
    const t = this.peek();
    const name = this.qualifiedName('a table function name');
    if (!this.isOp('(')) {
      this.fail(`expected a table function call inside TABLE(...) but found ${describe(this.peek())}`, this.peek(),
        'write TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL \'1\' MINUTE)) or TABLE(my_udtf(x))');
    }
    return this.functionCallRest(name, t);
  }

  private matchRecognize(input: A.TableRef): A.MatchRecognizeRef {
    this.next();
    const open = this.expectOp('(');
    const partitionBy = this.acceptKw('PARTITION', 'BY') ? this.commaList(() => this.parseExpr()) : [];
    const orderBy = this.acceptKw('ORDER', 'BY') ? this.commaList(() => this.orderItem()) : [];
    let measures: A.SelectItem[] = [];
    if (this.acceptKw('MEASURES')) {
      measures = this.commaList(() => {
        const expr = this.parseExpr();
        this.expectKw('AS', 'each measure needs a name: expr AS name');
        return { expr, alias: this.identifier('a measure name') };
      });
    }
    let rowsPerMatch: 'ONE' | 'ALL' | undefined;
    if (this.acceptKw('ONE', 'ROW', 'PER', 'MATCH')) rowsPerMatch = 'ONE';
    else if (this.acceptKw('ALL', 'ROWS', 'PER', 'MATCH')) rowsPerMatch = 'ALL';
    let afterMatch: A.AfterMatchSkip | undefined;
    if (this.acceptKw('AFTER', 'MATCH', 'SKIP')) {
      if (this.acceptKw('PAST', 'LAST', 'ROW')) afterMatch = { kind: 'PastLastRow' };
      else if (this.acceptKw('TO', 'NEXT', 'ROW')) afterMatch = { kind: 'ToNextRow' };
      else if (this.acceptKw('TO', 'FIRST')) afterMatch = { kind: 'ToFirst', variable: this.identifier('a pattern variable') };
      else if (this.acceptKw('TO', 'LAST')) afterMatch = { kind: 'ToLast', variable: this.identifier('a pattern variable') };
      else if (this.acceptKw('TO')) afterMatch = { kind: 'To', variable: this.identifier('a pattern variable') };
      else {
        this.fail(`expected PAST LAST ROW or TO ... after AFTER MATCH SKIP but found ${describe(this.peek())}`, this.peek(),
          'use PAST LAST ROW, TO NEXT ROW, TO FIRST var or TO LAST var');
      }
    }
    this.expectKw('PATTERN', 'MATCH_RECOGNIZE needs PATTERN (...) and DEFINE ...');
    const popen = this.expectOp('(');
    const pattern = this.patternAlternation();
    this.expectClose(popen);
    const within = this.acceptKw('WITHIN') ? this.parseExpr() : undefined;
    const subsets: A.MatchRecognizeRef['subsets'] = [];
    if (this.acceptKw('SUBSET')) {
      do {
        const name = this.identifier('a subset name');
        this.expectOp('=');
        subsets.push({ name, variables: this.parenNameList('a pattern variable') });
      } while (this.acceptOp(','));
    }
    this.expectKw('DEFINE', 'MATCH_RECOGNIZE needs DEFINE var AS condition, ...');
    const define = this.commaList(() => {
      const variable = this.identifier('a pattern variable');
      this.expectKw('AS');
      return { variable, condition: this.parseExpr() };
    });
    this.expectClose(open);
    return {
      kind: 'MatchRecognize', input, partitionBy, orderBy, measures, ...(rowsPerMatch ? { rowsPerMatch } : {}),
      ...(afterMatch ? { afterMatch } : {}), pattern, ...(within ? { within } : {}), subsets, define,
      span: { ...input.span, end: this.prev().end },
    };
  }

  private patternAlternation(): A.PatternTerm {
    const alts = [this.patternSequence()];
    while (this.acceptOp('|')) alts.push(this.patternSequence());
    return alts.length === 1 ? alts[0]! : { kind: 'PatternAlt', alternatives: alts };
  }

  private patternSequence(): A.PatternTerm {
    const items: A.PatternTerm[] = [];
    while (!this.isOp(')') && !this.isOp('|') && !this.atEnd()) items.push(this.patternQuantified());
    if (items.length === 0) this.fail(`expected a pattern variable but found ${describe(this.peek())}`);
    return items.length === 1 ? items[0]! : { kind: 'PatternSeq', items };
  }

  private patternQuantified(): A.PatternTerm {
    let term: A.PatternTerm;
    if (this.isOp('(')) {
      const open = this.next();
      term = this.nested(() => this.patternAlternation());
      this.expectClose(open);
    } else {
      term = { kind: 'PatternVar', name: this.identifier('a pattern variable') };
    }
    let min: number | undefined;
    let max: number | undefined;
    let braces = false;
    if (this.acceptOp('*')) min = 0;
    else if (this.acceptOp('+')) min = 1;
    else if (this.acceptOp('?')) {
      min = 0;
      max = 1;
    } else if (this.isOp('{')) {
      const open = this.next();
      braces = true;
      min = this.peek().kind === 'number' ? this.integer('a repetition count') : 0;
      if (this.acceptOp(',')) {
        if (this.peek().kind === 'number') max = this.integer('a repetition count');
      } else {
        max = min;
      }
      this.expectClose(open);
    }
    if (min === undefined) return term;
    const reluctant = this.acceptOp('?');
    return { kind: 'PatternQuant', term, min, ...(max !== undefined ? { max } : {}), reluctant, braces };
  }

  // ------------------------------------------------------------ expressions

  parseExpr(): A.Expr {
    return this.nested(() => this.or());
  }

  /** Bounds recursion so absurd nesting is a parse error, not a stack overflow. */
  private nested<T>(f: () => T): T {
    if (this.depth >= MAX_DEPTH) {
      this.fail(`nesting deeper than ${MAX_DEPTH} levels`, this.peek(), 'split the statement into views or simpler expressions');
    }
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  private bin(op: A.BinaryOperator, left: A.Expr, right: A.Expr): A.Expr {
    return { kind: 'Binary', op, left, right, span: this.spanBetween(left.span, right.span) };
  }

  private or(): A.Expr {
    let left = this.and();
    while (this.acceptKw('OR')) left = this.bin('OR', left, this.and());
    return left;
  }

  private and(): A.Expr {
    let left = this.not();
    while (this.acceptKw('AND')) left = this.bin('AND', left, this.not());
    return left;
  }

  private not(): A.Expr {
    const t = this.peek();
    if (this.acceptKw('NOT')) {
      const operand = this.nested(() => this.not());
      return { kind: 'Unary', op: 'NOT', operand, span: this.span(t) };
    }
    return this.comparison();
  }

  private comparison(): A.Expr {
    let left = this.additive();
    for (;;) {
      const t = this.peek();
      const withSpan = <T extends A.Expr>(e: Omit<T, 'span'>): A.Expr =>
        ({ ...e, span: { ...left.span, end: this.prev().end } }) as A.Expr;
      if (t.kind === 'op' && COMPARISON_OPS.has(t.value)) {
        this.next();
        left = this.bin(t.value as A.BinaryOperator, left, this.additive());
        continue;
      }
      if (this.acceptKw('IS')) {
        const not = this.acceptKw('NOT');
        if (this.acceptKw('DISTINCT')) {
          this.expectKw('FROM');
          const right = this.additive();
          left = withSpan<A.IsDistinctFromExpr>({ kind: 'IsDistinctFrom', left, right, not });
          continue;
        }
        const test = this.peek();
        if (test.kind !== 'ident' || !['NULL', 'TRUE', 'FALSE', 'UNKNOWN'].includes(test.upper)) {
          this.fail(`expected NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS but found ${describe(test)}`, test);
        }
        this.next();
        left = withSpan<A.IsExpr>({ kind: 'Is', operand: left, not, test: test.upper as A.IsExpr['test'] });
        continue;
      }
      const not = this.isKw('NOT') && (this.isKw('BETWEEN', 1) || this.isKw('IN', 1) || this.isKw('LIKE', 1) || this.isKw('SIMILAR', 1));
      if (not) this.next();
      if (this.acceptKw('BETWEEN')) {
        let symmetric = false;
        if (this.acceptKw('SYMMETRIC')) symmetric = true;
        else this.acceptKw('ASYMMETRIC');
        const low = this.additive();
        this.expectKw('AND', 'write BETWEEN low AND high');
        const high = this.additive();
        left = withSpan<A.BetweenExpr>({ kind: 'Between', operand: left, low, high, not, symmetric });
        continue;
      }
      if (this.acceptKw('IN')) {
        const open = this.expectOp('(', 'write IN (value, ...) or IN (SELECT ...)');
        if (this.startsQuery()) {
          const query = this.parseQuery();
          this.expectClose(open);
          left = withSpan<A.InSubqueryExpr>({ kind: 'InSubquery', operand: left, query, not });
        } else {
          const values = this.commaList(() => this.parseExpr());
          this.expectClose(open);
          left = withSpan<A.InListExpr>({ kind: 'InList', operand: left, values, not });
        }
        continue;
      }
      const likeOp = this.acceptKw('LIKE') ? 'LIKE' : this.acceptKw('SIMILAR', 'TO') ? 'SIMILAR TO' : undefined;
      if (likeOp) {
        const pattern = this.additive();
        const escape = this.acceptKw('ESCAPE') ? this.additive() : undefined;
        left = withSpan<A.LikeExpr>({ kind: 'Like', op: likeOp, operand: left, pattern, ...(escape ? { escape } : {}), not });
        continue;
      }
      if (not) this.fail(`unexpected NOT`, t);
      return left;
    }
  }

  private additive(): A.Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().value as A.BinaryOperator;
      left = this.bin(op, left, this.multiplicative());
    }
    return left;
  }

  private multiplicative(): A.Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%') || this.isOp('||')) {
      const op = this.next().value as A.BinaryOperator;
      left = this.bin(op, left, this.unary());
    }
    return left;
  }

  private unary(): A.Expr {
    const t = this.peek();
    if (this.isOp('-') || this.isOp('+')) {
      this.next();
      const operand = this.nested(() => this.unary());
      return { kind: 'Unary', op: t.value as '-' | '+', operand, span: this.span(t) };
    }
    return this.postfix();
  }

  private postfix(): A.Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('[')) {
        const open = this.next();
        const index = this.parseExpr();
        this.expectClose(open);
        e = { kind: 'Subscript', target: e, index, span: { ...e.span, end: this.prev().end } };
      } else if (this.isOp('.') && (this.peek(1).kind === 'ident' || this.peek(1).kind === 'quoted')) {
        this.next();
        const field = this.identifier('a field name');
        e = { kind: 'FieldAccess', target: e, field, span: { ...e.span, end: this.prev().end } };
      } else if (this.isOp('::')) {
        this.fail("Flink SQL has no '::' cast", this.peek(), 'write CAST(expr AS type)');
      } else {
        return e;
      }
    }
  }

  private primary(): A.Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'number':
        this.next();
        return { kind: 'NumberLiteral', value: t.value, span: this.span(t) };
      case 'string':
        this.next();
        return { kind: 'StringLiteral', value: t.value, span: this.span(t) };
      case 'binary':
        this.next();
        if (!/^[0-9A-Fa-f]*$/.test(t.value) || t.value.length % 2 !== 0) {
          this.fail('a binary literal needs an even number of hex digits', t, "write X'0AFF'");
        }
        return { kind: 'BinaryLiteral', value: t.value.toUpperCase(), span: this.span(t) };
      case 'op':
        return this.primaryOp(t);
      case 'eof':
        return this.fail('unexpected end of input, expected an expression', t);
      default:
        break;
    }
    if (t.kind === 'ident') {
      const special = this.keywordExpression(t);
      if (special) return special;
      if (RESERVED.has(t.upper) && !(RESERVED_FUNCTIONS.has(t.upper) && this.isOp('(', 1))) {
        const hint = ['FROM', 'WHERE', 'GROUP', 'ORDER', 'THEN', 'ELSE', 'END', 'AND', 'OR', 'AS'].includes(t.upper)
          && this.prev().kind === 'op'
          ? `an expression is missing before ${t.upper}`
          : `quote it with back quotes if it is a name: \`${t.value}\``;
        this.fail(`expected an expression but found ${t.upper}`, t, hint);
      }
    }
    // A (qualified) name, `t.*`, or a function call.
    const parts: string[] = [t.kind === 'ident' && RESERVED_FUNCTIONS.has(t.upper) ? this.next().value : this.identifier('an expression')];
    for (;;) {
      if (this.isOp('.') && this.isOp('*', 1)) {
        this.pos += 2;
        return { kind: 'Star', qualifier: parts, span: this.span(t) };
      }
      if (this.isOp('.') && (this.peek(1).kind === 'ident' || this.peek(1).kind === 'quoted')) {
        this.next();
        parts.push(this.next().value);
        continue;
      }
      break;
    }
    if (this.isOp('(')) return this.functionCallRest(parts, t);
    return { kind: 'Identifier', parts, span: this.span(t) };
  }

  private primaryOp(t: Token): A.Expr {
    if (this.acceptOp('*')) return { kind: 'Star', qualifier: [], span: this.span(t) };
    if (this.acceptOp('?')) return { kind: 'Parameter', index: this.paramCount++, span: this.span(t) };
    if (this.isOp('(')) {
      const open = this.next();
      if (this.startsQuery()) {
        const query = this.parseQuery();
        this.expectClose(open);
        return { kind: 'Subquery', query, span: this.span(t) };
      }
      const first = this.parseExpr();
      if (this.isOp(',')) {
        const fields = [first];
        while (this.acceptOp(',')) fields.push(this.parseExpr());
        this.expectClose(open);
        return { kind: 'RowConstructor', fields, explicit: false, span: this.span(t) };
      }
      this.expectClose(open);
      // Parentheses only group: the tree shape already says it, and unparse adds them back when needed.
      return first;
    }
    return this.fail(`expected an expression but found ${describe(t)}`, t,
      t.value === ')' ? 'an expression is missing before this' : undefined);
  }

  /** Expressions introduced by a keyword: literals, CASE, CAST, EXTRACT, ARRAY[...], ... */
  private keywordExpression(t: Token): A.Expr | undefined {
    const up = t.upper;
    const nextIsParen = this.isOp('(', 1);
    switch (up) {
      case 'TRUE': case 'FALSE':
        this.next();
        return { kind: 'BooleanLiteral', value: up === 'TRUE', span: this.span(t) };
      case 'NULL':
        this.next();
        return { kind: 'NullLiteral', span: this.span(t) };
      case 'CASE': return this.caseExpr();
      case 'CAST': case 'TRY_CAST':
        if (!nextIsParen) return undefined;
        return this.cast();
      case 'EXISTS': {
        if (!nextIsParen) return undefined;
        this.next();
        const open = this.next();
        const query = this.parseQuery();
        this.expectClose(open);
        return { kind: 'Exists', query, span: this.span(t) };
      }
      case 'INTERVAL': return this.intervalLiteral();
      case 'DATE': case 'TIME': case 'TIMESTAMP': case 'TIMESTAMP_LTZ':
        if (this.peek(1).kind !== 'string') return undefined;
        this.next();
        return { kind: 'TypedLiteral', type: up, value: this.next().value, span: this.span(t) };
      case 'ARRAY':
        if (!this.isOp('[', 1)) return undefined;
        return this.arrayOrMap(t, false);
      case 'MAP':
        if (!this.isOp('[', 1)) return undefined;
        return this.arrayOrMap(t, true);
      case 'ROW': {
        if (!nextIsParen) return undefined;
        this.next();
        const open = this.next();
        const fields = this.isOp(')') ? [] : this.commaList(() => this.parseExpr());
        this.expectClose(open);
        return { kind: 'RowConstructor', fields, explicit: true, span: this.span(t) };
      }
      case 'DESCRIPTOR': {
        if (!nextIsParen) return undefined;
        this.next();
        const columns = this.parenNameList('a column name');
        return { kind: 'Descriptor', columns, span: this.span(t) };
      }
      case 'EXTRACT': {
        if (!nextIsParen) return undefined;
        this.next();
        const open = this.next();
        const u = this.peek();
        if (u.kind !== 'ident') this.fail(`expected a time unit but found ${describe(u)}`, u, 'write EXTRACT(YEAR FROM ts)');
        this.next();
        this.expectKw('FROM', 'write EXTRACT(unit FROM expr)');
        const source = this.parseExpr();
        this.expectClose(open);
        return { kind: 'Extract', unit: u.upper, source, span: this.span(t) };
      }
      case 'TRIM': return nextIsParen ? this.trim(t) : undefined;
      case 'FLOOR': case 'CEIL': case 'CEILING': {
        if (!nextIsParen) return undefined;
        const save = this.pos;
        this.next();
        const open = this.next();
        const source = this.parseExpr();
        if (!this.acceptKw('TO')) {
          this.pos = save;
          return undefined;
        }
        const u = this.peek();
        if (u.kind !== 'ident') this.fail(`expected a time unit but found ${describe(u)}`, u, `write ${up}(ts TO HOUR)`);
        this.next();
        this.expectClose(open);
        return { kind: 'FloorCeil', fn: up === 'FLOOR' ? 'FLOOR' : 'CEIL', source, unit: u.upper, span: this.span(t) };
      }
      case 'POSITION': {
        if (!nextIsParen) return undefined;
        this.next();
        const open = this.next();
        const needle = this.additive();
        this.expectKw('IN', 'write POSITION(needle IN haystack)');
        const haystack = this.parseExpr();
        this.expectClose(open);
        return { kind: 'Position', needle, haystack, span: this.span(t) };
      }
      case 'SUBSTRING': case 'OVERLAY': {
        if (!nextIsParen) return undefined;
        // Only the keyword forms get their own node; SUBSTRING(s, 1, 2) stays a function call.
        const save = this.pos;
        this.next();
        const open = this.next();
        const source = this.parseExpr();
        let replacement: A.Expr | undefined;
        if (up === 'OVERLAY') {
          this.expectKw('PLACING', 'write OVERLAY(s PLACING r FROM start [FOR length])');
          replacement = this.parseExpr();
        }
        if (!this.acceptKw('FROM')) {
          this.pos = save;
          return undefined;
        }
        const from = this.parseExpr();
        const forE = this.acceptKw('FOR') ? this.parseExpr() : undefined;
        this.expectClose(open);
        if (replacement) {
          return { kind: 'Overlay', source, replacement, from, ...(forE ? { for: forE } : {}), span: this.span(t) };
        }
        return { kind: 'Substring', source, from, ...(forE ? { for: forE } : {}), span: this.span(t) };
      }
      default:
        if (NILADIC.has(up) && !nextIsParen) {
          this.next();
          return { kind: 'BuiltinValue', name: up, span: this.span(t) };
        }
        return undefined;
    }
  }

  private caseExpr(): A.CaseExpr {
    const t = this.next();
    const operand = this.isKw('WHEN') ? undefined : this.parseExpr();
    const whens: A.CaseExpr['whens'] = [];
    while (this.acceptKw('WHEN')) {
      const when = this.parseExpr();
      this.expectKw('THEN', 'write WHEN condition THEN result');
      whens.push({ when, then: this.parseExpr() });
    }
    if (whens.length === 0) this.fail(`expected WHEN but found ${describe(this.peek())}`, this.peek(), 'a CASE needs at least one WHEN ... THEN ...');
    const elseE = this.acceptKw('ELSE') ? this.parseExpr() : undefined;
    if (!this.isKw('END')) {
      this.fail(`expected END but found ${describe(this.peek())}`, this.peek(),
        `close the CASE at line ${t.line}, column ${t.column} with END`);
    }
    this.next();
    return {
      kind: 'Case', ...(operand ? { operand } : {}), whens, ...(elseE ? { else: elseE } : {}), span: this.span(t),
    };
  }

  private cast(): A.CastExpr {
    const t = this.next();
    const open = this.next();
    const expr = this.parseExpr();
    this.expectKw('AS', `write ${t.upper}(expr AS type)`);
    const type = this.parseDataType();
    this.expectClose(open);
    return { kind: 'Cast', expr, type, try: t.upper === 'TRY_CAST', span: this.span(t) };
  }

  private trim(t: Token): A.TrimExpr {
    this.next();
    const open = this.next();
    let side: A.TrimExpr['side'];
    if (this.isKw('BOTH') || this.isKw('LEADING') || this.isKw('TRAILING')) side = this.next().upper as A.TrimExpr['side'];
    let chars: A.Expr | undefined;
    let source: A.Expr;
    if (side && this.acceptKw('FROM')) {
      source = this.parseExpr();
    } else {
      const first = this.parseExpr();
      if (this.acceptKw('FROM')) {
        chars = first;
        source = this.parseExpr();
      } else {
        if (side) this.fail(`expected FROM but found ${describe(this.peek())}`, this.peek(), `write TRIM(${side} 'x' FROM s)`);
        source = first;
      }
    }
    this.expectClose(open);
    return { kind: 'Trim', ...(side ? { side } : {}), ...(chars ? { chars } : {}), source, span: this.span(t) };
  }

  private arrayOrMap(t: Token, map: boolean): A.Expr {
    this.next();
    const open = this.next();
    const elements = this.isOp(']') ? [] : this.commaList(() => this.parseExpr());
    this.expectClose(open);
    if (!map) return { kind: 'ArrayConstructor', elements, span: this.span(t) };
    if (elements.length % 2 !== 0) {
      this.fail('MAP[...] needs key/value pairs', t, "write MAP['k1', v1, 'k2', v2]");
    }
    const entries: A.MapConstructor['entries'] = [];
    for (let i = 0; i < elements.length; i += 2) entries.push({ key: elements[i]!, value: elements[i + 1]! });
    return { kind: 'MapConstructor', entries, span: this.span(t) };
  }

  private intervalLiteral(): A.IntervalLiteral {
    const t = this.next();
    let negative = false;
    if (this.acceptOp('-')) negative = true;
    else this.acceptOp('+');
    const v = this.peek();
    let value: string;
    if (v.kind === 'string') value = this.next().value;
    else if (v.kind === 'number') {
      // Flink wants INTERVAL '5' SECOND; a bare number is a common slip worth naming exactly.
      return this.fail(`expected a quoted interval value but found ${v.value}`, v, `write INTERVAL '${v.value}' followed by a unit, e.g. SECOND`);
    } else {
      return this.fail(`expected a quoted interval value but found ${describe(v)}`, v, "write INTERVAL '5' SECOND");
    }
    const qualifier = this.intervalQualifier();
    return { kind: 'IntervalLiteral', value, negative, qualifier, span: this.span(t) };
  }

  private timeUnit(): A.TimeUnit {
    const u = this.peek();
    const unit = u.kind === 'ident' ? TIME_UNITS[u.upper] : undefined;
    if (unit === undefined) {
      return this.fail(`expected a time unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND) but found ${describe(u)}`, u,
        u.kind === 'ident' && closest(u.value, Object.keys(TIME_UNITS)) ? `did you mean ${closest(u.value, Object.keys(TIME_UNITS))}?` : undefined);
    }
    this.next();
    return unit;
  }

  private optPrecision(): number | undefined {
    if (!(this.isOp('(') && this.peek(1).kind === 'number')) return undefined;
    const open = this.next();
    const p = this.integer('a precision');
    this.expectClose(open);
    return p;
  }

  private intervalQualifier(): A.IntervalQualifier {
    const start = this.timeUnit();
    const startPrecision = this.optPrecision();
    const q: A.IntervalQualifier = { start, ...(startPrecision !== undefined ? { startPrecision } : {}) };
    if (this.acceptKw('TO')) {
      q.end = this.timeUnit();
      const endPrecision = this.optPrecision();
      if (endPrecision !== undefined) q.endPrecision = endPrecision;
    }
    return q;
  }

  /** After a function name: `(args) [FILTER (WHERE ..)] [OVER ..]`. */
  private functionCallRest(name: string[], start: Token): A.FunctionCall {
    const open = this.expectOp('(');
    let distinct = false;
    if (this.acceptKw('DISTINCT')) distinct = true;
    else if (this.isKw('ALL') && !this.isOp(')', 1)) this.next();
    const args: A.Expr[] = [];
    const fn = name.length === 1 ? name[0]!.toUpperCase() : '';
    let json: A.JsonClauses | undefined;
    if (JSON_FUNCTIONS.has(fn)) {
      json = this.jsonArguments(fn, args);
    } else if (!this.isOp(')')) {
      do args.push(this.functionArg());
      while (this.acceptOp(','));
    }
    if (!this.isOp(')')) {
      const p = this.peek();
      if (p.kind !== 'eof' && !(p.kind === 'op' && [';', ']'].includes(p.value))) {
        this.fail(`expected ',' or ')' in the arguments of ${name.join('.')} but found ${describe(p)}`, p,
          `expected ')' to close the '(' at line ${open.line}, column ${open.column}`);
      }
      this.expectClose(open);
    }
    this.next();
    let filter: A.Expr | undefined;
    if (this.isKw('FILTER') && this.isOp('(', 1)) {
      this.next();
      const fopen = this.next();
      this.expectKw('WHERE', 'write FILTER (WHERE condition)');
      filter = this.parseExpr();
      this.expectClose(fopen);
    }
    let over: A.WindowSpec | string | undefined;
    if (this.acceptKw('OVER')) over = this.isOp('(') ? this.windowSpec() : this.identifier('a window name');
    return {
      kind: 'FunctionCall', name, args, distinct, ...(filter ? { filter } : {}), ...(over !== undefined ? { over } : {}),
      ...(json && Object.keys(json).length ? { json } : {}),
      span: this.span(start),
    };
  }

  /** Arguments and trailing clauses of a SQL/JSON function, up to (not including) the closing ')'. */
  private jsonArguments(fn: string, args: A.Expr[]): A.JsonClauses {
    const json: A.JsonClauses = {};
    const keyValue = fn === 'JSON_OBJECT' || fn === 'JSON_OBJECTAGG';
    if (keyValue) json.keyValue = true;
    const startsClause = (): boolean =>
      ((this.isKw('NULL') || this.isKw('ABSENT')) && this.isKw('ON', 1)) || this.isKw('RETURNING')
      || this.isKw('WITHOUT') || (this.isKw('WITH') && !this.isOp('(', 1)) || this.isKw('ERROR') || this.isKw('DEFAULT')
      || (this.isKw('EMPTY') && (this.isKw('ARRAY', 1) || this.isKw('OBJECT', 1)))
      || ((this.isKw('TRUE') || this.isKw('FALSE') || this.isKw('UNKNOWN') || this.isKw('NULL')) && this.isKw('ON', 1));
    if (!this.isOp(')') && !startsClause()) {
      do {
        if (keyValue) {
          this.acceptKw('KEY');
          args.push(this.parseExpr());
          this.expectKw('VALUE', `write ${fn}(KEY 'name' VALUE expr, ...)`);
          args.push(this.parseExpr());
        } else {
          args.push(this.parseExpr());
        }
      } while (this.acceptOp(','));
    }
    for (;;) {
      if (this.acceptKw('RETURNING')) {
        json.returning = this.parseDataType();
      } else if (this.acceptKw('WITHOUT')) {
        this.acceptKw('ARRAY');
        this.expectKw('WRAPPER');
        json.wrapper = 'WITHOUT';
      } else if (this.isKw('WITH') && (this.isKw('CONDITIONAL', 1) || this.isKw('UNCONDITIONAL', 1) || this.isKw('ARRAY', 1) || this.isKw('WRAPPER', 1))) {
        this.next();
        json.wrapper = this.acceptKw('CONDITIONAL') ? 'CONDITIONAL' : (this.acceptKw('UNCONDITIONAL'), 'UNCONDITIONAL');
        this.acceptKw('ARRAY');
        this.expectKw('WRAPPER');
      } else if ((this.isKw('NULL') || this.isKw('ABSENT')) && this.isKw('ON', 1) && this.isKw('NULL', 2)) {
        json.onNull = this.next().upper as 'NULL' | 'ABSENT';
        this.pos += 2;
      } else if (this.isKw('NULL') || this.isKw('ERROR') || this.isKw('DEFAULT') || this.isKw('EMPTY')
        || this.isKw('TRUE') || this.isKw('FALSE') || this.isKw('UNKNOWN')) {
        const t = this.next();
        let behavior: A.JsonBehavior;
        if (t.upper === 'DEFAULT') behavior = { kind: 'DEFAULT', default: this.parseExpr() };
        else if (t.upper === 'EMPTY') {
          const what = this.peek();
          if (!this.acceptKw('ARRAY') && !this.acceptKw('OBJECT')) this.fail(`expected ARRAY or OBJECT after EMPTY but found ${describe(what)}`, what);
          behavior = { kind: `EMPTY ${what.upper}` as A.JsonBehavior['kind'] };
        } else behavior = { kind: t.upper as A.JsonBehavior['kind'] };
        this.expectKw('ON', `write ${t.upper} ON EMPTY or ${t.upper} ON ERROR`);
        if (this.acceptKw('EMPTY')) json.onEmpty = behavior;
        else {
          this.expectKw('ERROR', `write ${t.upper} ON EMPTY or ${t.upper} ON ERROR`);
          json.onError = behavior;
        }
      } else {
        return json;
      }
    }
  }

  private functionArg(): A.Expr {
    const t = this.peek();
    // Reserved words are fine as parameter names (`OFFSET => ...`): `=>` makes them unambiguous.
    if ((this.isName() || t.kind === 'ident') && this.isOp('=>', 1)) {
      const name = this.next().value;
      this.next();
      const value = this.functionArg();
      return { kind: 'NamedArgument', name, value, span: this.span(t) };
    }
    if (this.isKw('TABLE') && !this.isOp('(', 1)) {
      this.next();
      const table = this.qualifiedName('a table name');
      const partitionBy = this.acceptKw('PARTITION', 'BY') ? this.partitionKeys() : [];
      const orderBy = this.acceptKw('ORDER', 'BY') ? this.commaListInParensOr(() => this.orderItem()) : [];
      return { kind: 'TableArgument', table, partitionBy, orderBy, span: this.span(t) };
    }
    if (this.isKw('MODEL') && this.isName(1) && !this.isOp('(', 1)) {
      this.next();
      return { kind: 'ModelArgument', name: this.qualifiedName('a model name'), span: this.span(t) };
    }
    return this.parseExpr();
  }

  /** `PARTITION BY k` or `PARTITION BY (k1, k2)` inside a table argument. */
  private partitionKeys(): A.Expr[] {
    return this.commaListInParensOr(() => this.parseExpr());
  }

  private commaListInParensOr<T>(item: () => T): T[] {
    if (this.isOp('(')) {
      const save = this.pos;
      const open = this.next();
      try {
        const items = this.commaList(item);
        this.expectClose(open);
        if (!this.isOp(',') && !this.isOp(')') && !this.isKw('ORDER')) throw new Backtrack();
        return items;
      } catch (e) {
        if (!(e instanceof SqlParseError) && !(e instanceof Backtrack)) throw e;
        this.pos = save;
      }
    }
    // Without parentheses only one key fits: a comma would start the next argument.
    return [item()];
  }

  // ------------------------------------------------------------ data types

  parseDataType(): A.DataType {
    return this.nested(() => this.dataType());
  }

  private dataType(): A.DataType {
    let type = this.baseType();
    type = this.nullability(type);
    while (this.isKw('ARRAY') || this.isKw('MULTISET')) {
      const t = this.next();
      const kind = t.upper === 'ARRAY' ? 'ArrayType' : 'MultisetType';
      type = this.nullability({ kind, element: type, nullable: true, span: { ...type.span, end: t.end } });
    }
    return type;
  }

  private nullability<T extends A.DataType>(type: T): T {
    if (this.acceptKw('NOT', 'NULL')) return { ...type, nullable: false, span: { ...type.span, end: this.prev().end } };
    if (this.isKw('NULL')) {
      this.next();
      return { ...type, nullable: true, span: { ...type.span, end: this.prev().end } };
    }
    return type;
  }

  private primitive(t: Token, name: A.PrimitiveTypeName, precision?: number, scale?: number): A.PrimitiveType {
    return {
      kind: 'PrimitiveType', name, ...(precision !== undefined ? { precision } : {}),
      ...(scale !== undefined ? { scale } : {}), nullable: true, span: this.span(t),
    };
  }

  private baseType(): A.DataType {
    const t = this.peek();
    if (t.kind !== 'ident') {
      if (t.kind === 'quoted') {
        this.fail(`unknown data type \`${t.value}\``, t, 'type names are not quoted');
      }
      return this.fail(`expected a data type but found ${describe(t)}`, t);
    }
    const up = t.upper;
    const simple: Record<string, A.PrimitiveTypeName> = {
      BOOLEAN: 'BOOLEAN', BOOL: 'BOOLEAN', TINYINT: 'TINYINT', SMALLINT: 'SMALLINT', INT: 'INT', INTEGER: 'INT',
      BIGINT: 'BIGINT', FLOAT: 'FLOAT', REAL: 'FLOAT', STRING: 'STRING', BYTES: 'BYTES', DATE: 'DATE', NULL: 'NULL',
    };
    if (simple[up] !== undefined) {
      this.next();
      return this.primitive(t, simple[up]);
    }
    switch (up) {
      case 'DOUBLE':
        this.next();
        this.acceptKw('PRECISION');
        return this.primitive(t, 'DOUBLE');
      case 'DECIMAL': case 'DEC': case 'NUMERIC': {
        this.next();
        let p: number | undefined;
        let s: number | undefined;
        if (this.isOp('(')) {
          const open = this.next();
          p = this.integer('a precision');
          if (this.acceptOp(',')) s = this.integer('a scale');
          this.expectClose(open);
        }
        return this.primitive(t, 'DECIMAL', p, s);
      }
      case 'CHAR': case 'CHARACTER': case 'VARCHAR': case 'BINARY': case 'VARBINARY': {
        this.next();
        let name: A.PrimitiveTypeName = up === 'CHARACTER' ? 'CHAR' : (up as A.PrimitiveTypeName);
        if ((up === 'CHAR' || up === 'CHARACTER') && this.acceptKw('VARYING')) name = 'VARCHAR';
        if (up === 'BINARY' && this.acceptKw('VARYING')) name = 'VARBINARY';
        return this.primitive(t, name, this.optPrecision());
      }
      case 'TIME': {
        this.next();
        const p = this.optPrecision();
        this.acceptKw('WITHOUT', 'TIME', 'ZONE');
        return this.primitive(t, 'TIME', p);
      }
      case 'TIMESTAMP': case 'TIMESTAMP_LTZ': {
        this.next();
        const p = this.optPrecision();
        let name: A.PrimitiveTypeName = up;
        if (up === 'TIMESTAMP') {
          if (this.acceptKw('WITH', 'LOCAL', 'TIME', 'ZONE')) name = 'TIMESTAMP_LTZ';
          else if (this.isKw('WITH') && this.isKw('TIME', 1)) {
            this.fail('TIMESTAMP WITH TIME ZONE is not supported by Flink', this.peek(),
              'use TIMESTAMP_LTZ(p) (TIMESTAMP WITH LOCAL TIME ZONE)');
          } else this.acceptKw('WITHOUT', 'TIME', 'ZONE');
        }
        return this.primitive(t, name, p);
      }
      case 'INTERVAL': {
        this.next();
        return { kind: 'IntervalType', qualifier: this.intervalQualifier(), nullable: true, span: this.span(t) };
      }
      case 'ARRAY': case 'MULTISET': {
        this.next();
        const open = this.expectOp('<', `write ${up}<element type>`);
        const element = this.parseDataType();
        this.expectClose(open);
        return { kind: up === 'ARRAY' ? 'ArrayType' : 'MultisetType', element, nullable: true, span: this.span(t) };
      }
      case 'MAP': {
        this.next();
        const open = this.expectOp('<', 'write MAP<key type, value type>');
        const key = this.parseDataType();
        this.expectOp(',', 'write MAP<key type, value type>');
        const value = this.parseDataType();
        this.expectClose(open);
        return { kind: 'MapType', key, value, nullable: true, span: this.span(t) };
      }
      case 'ROW': {
        this.next();
        // `ROW<>` lexes as the not-equal operator.
        if (this.acceptOp('<>')) return { kind: 'RowType', fields: [], nullable: true, span: this.span(t) };
        const open = this.isOp('<') || this.isOp('(') ? this.next() : this.fail(
          `expected '<' or '(' after ROW but found ${describe(this.peek())}`, this.peek(), 'write ROW<name type, ...>');
        const closer = open.value === '<' ? '>' : ')';
        const fields: A.RowField[] = [];
        if (!this.isOp(closer)) {
          do {
            const name = this.identifier('a field name');
            const type = this.parseDataType();
            const comment = this.peek(0).kind === 'string' ? this.next().value : undefined;
            fields.push({ name, type, ...(comment !== undefined ? { comment } : {}) });
          } while (this.acceptOp(','));
        }
        this.expectClose(open);
        return { kind: 'RowType', fields, nullable: true, span: this.span(t) };
      }
      default: {
        const kw = closest(t.value, TYPE_NAMES);
        return this.fail(`unknown data type ${describe(t)}`, t, kw ? `did you mean ${kw}?` : `use one of ${TYPE_NAMES.join(', ')}`);
      }
    }
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of input';
    case 'string': return `string '${t.value}'`;
    case 'number': return `number ${t.value}`;
    case 'quoted': return `\`${t.value}\``;
    case 'ident': return RESERVED.has(t.upper) ? t.upper : `'${t.value}'`;
    default: return `'${t.value}'`;
  }
}

/**
 * Parses a script of `;`-separated Flink SQL statements.
 * @throws SqlParseError with line, column and a hint on the first syntax error.
 * @example
 * const [create, insert] = parseScript("CREATE TABLE t (a INT) WITH ('connector'='datagen'); INSERT INTO s SELECT a FROM t;");
 */
export function parseScript(text: string): A.Statement[] {
  return new Parser(text).parseScript();
}

/** Parses exactly one statement (a trailing `;` is allowed). */
export function parseStatement(text: string): A.Statement {
  const p = new Parser(text);
  const s = p.parseStatement();
  p.expectEnd();
  return s;
}

/** Parses one query: `SELECT ...`, `WITH ... SELECT ...`, `VALUES ...`, set operations, ORDER BY, LIMIT. */
export function parseQuery(text: string): A.Query {
  const p = new Parser(text);
  const q = p.parseQuery();
  p.expectEnd();
  return q;
}

/** Parses one scalar expression, e.g. `a + 1 > b AND c IS NOT NULL`. */
export function parseExpression(text: string): A.Expr {
  const p = new Parser(text);
  const e = p.parseExpr();
  p.expectEnd();
  return e;
}

/** Parses one data type, e.g. `ROW<a INT NOT NULL, b ARRAY<STRING>>`. */
export function parseDataType(text: string): A.DataType {
  const p = new Parser(text);
  const t = p.parseDataType();
  p.expectEnd();
  return t;
}
