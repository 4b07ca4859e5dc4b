import type * as A from './ast.js';
import { NILADIC, RESERVED, RESERVED_FUNCTIONS } from './keywords.js';

// Words that start a special expression form; a column with such a name must be quoted to stay a column.
const EXPRESSION_WORDS = new Set([
  'ARRAY', 'MAP', 'ROW', 'DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMP_LTZ', 'TRY_CAST', 'EXTRACT', 'TRIM', 'POSITION',
  'SUBSTRING', 'OVERLAY', 'DESCRIPTOR', 'MODEL', 'ROLLUP', 'CUBE', 'GROUPING',
]);

/** A name as Flink SQL text: bare when safe, otherwise back-quoted with inner back quotes doubled. */
export function quoteIdent(name: string): string {
  const up = name.toUpperCase();
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(up) && !NILADIC.has(up) && !EXPRESSION_WORDS.has(up)) {
    return name;
  }
  return '`' + name.replace(/`/g, '``') + '`';
}

function quoteFunctionName(parts: string[]): string {
  return parts
    .map((p) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p) && (!RESERVED.has(p.toUpperCase()) || RESERVED_FUNCTIONS.has(p.toUpperCase()))
      ? p : quoteIdent(p)))
    .join('.');
}

function name(parts: string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** A string literal with `'` doubled. */
export function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

// Binding strength of an expression's outermost operator; children weaker than their slot get parentheses.
const P_OR = 1;
const P_AND = 2;
const P_NOT = 3;
const P_CMP = 4;
const P_ADD = 5;
const P_MUL = 6;
const P_UNARY = 7;
const P_ATOM = 8;

function precedence(e: A.Expr): number {
  switch (e.kind) {
    case 'Binary':
      switch (e.op) {
        case 'OR': return P_OR;
        case 'AND': return P_AND;
        case '+': case '-': return P_ADD;
        case '*': case '/': case '%': case '||': return P_MUL;
        default: return P_CMP;
      }
    case 'Unary': return e.op === 'NOT' ? P_NOT : P_UNARY;
    case 'Is': case 'IsDistinctFrom': case 'Between': case 'InList': case 'InSubquery': case 'Like':
      return P_CMP;
    default: return P_ATOM;
  }
}

function sub(e: A.Expr, min: number): string {
  const s = expr(e);
  return precedence(e) < min ? `(${s})` : s;
}

function qualifier(q: A.IntervalQualifier): string {
  let s = q.start + (q.startPrecision !== undefined ? `(${q.startPrecision})` : '');
  if (q.end) s += ` TO ${q.end}${q.endPrecision !== undefined ? `(${q.endPrecision})` : ''}`;
  return s;
}

function orderItem(o: A.OrderItem): string {
  return expr(o.expr) + (o.direction ? ` ${o.direction}` : '') + (o.nulls ? ` NULLS ${o.nulls}` : '');
}

function frameBound(b: A.FrameBound): string {
  switch (b.kind) {
    case 'UnboundedPreceding': return 'UNBOUNDED PRECEDING';
    case 'UnboundedFollowing': return 'UNBOUNDED FOLLOWING';
    case 'CurrentRow': return 'CURRENT ROW';
    case 'Preceding': return `${sub(b.offset, P_ADD)} PRECEDING`;
    case 'Following': return `${sub(b.offset, P_ADD)} FOLLOWING`;
  }
}

function windowSpec(w: A.WindowSpec): string {
  const parts: string[] = [];
  if (w.base !== undefined) parts.push(quoteIdent(w.base));
  if (w.partitionBy.length) parts.push(`PARTITION BY ${w.partitionBy.map(expr).join(', ')}`);
  if (w.orderBy.length) parts.push(`ORDER BY ${w.orderBy.map(orderItem).join(', ')}`);
  if (w.frame) {
    parts.push(w.frame.end
      ? `${w.frame.unit} BETWEEN ${frameBound(w.frame.start)} AND ${frameBound(w.frame.end)}`
      : `${w.frame.unit} ${frameBound(w.frame.start)}`);
  }
  return `(${parts.join(' ')})`;
}

function expr(e: A.Expr): string {
  switch (e.kind) {
    case 'NumberLiteral': return e.value;
    case 'StringLiteral': return quoteString(e.value);
    case 'BinaryLiteral': return `X'${e.value}'`;
    case 'BooleanLiteral': return e.value ? 'TRUE' : 'FALSE';
    case 'NullLiteral': return 'NULL';
    case 'TypedLiteral': return `${e.type} ${quoteString(e.value)}`;
    case 'IntervalLiteral': return `INTERVAL ${e.negative ? '-' : ''}${quoteString(e.value)} ${qualifier(e.qualifier)}`;
    case 'Identifier': return name(e.parts);
    case 'Star': return e.qualifier.length ? `${name(e.qualifier)}.*` : '*';
    case 'Parameter': return '?';
    case 'Binary': {
      const p = precedence(e);
      return `${sub(e.left, p)} ${e.op} ${sub(e.right, p + 1)}`;
    }
    case 'Unary': {
      if (e.op === 'NOT') return `NOT ${sub(e.operand, P_NOT)}`;
      const inner = sub(e.operand, P_UNARY);
      // `- -1` must not become the comment `--1`.
      return inner.startsWith('-') || inner.startsWith('+') ? `${e.op}(${inner})` : `${e.op}${inner}`;
    }
    case 'Is': return `${sub(e.operand, P_CMP)} IS ${e.not ? 'NOT ' : ''}${e.test}`;
    case 'IsDistinctFrom': return `${sub(e.left, P_CMP)} IS ${e.not ? 'NOT ' : ''}DISTINCT FROM ${sub(e.right, P_ADD)}`;
    case 'Between':
      return `${sub(e.operand, P_CMP)} ${e.not ? 'NOT ' : ''}BETWEEN ${e.symmetric ? 'SYMMETRIC ' : ''}`
        + `${sub(e.low, P_ADD)} AND ${sub(e.high, P_ADD)}`;
    case 'InList': return `${sub(e.operand, P_CMP)} ${e.not ? 'NOT ' : ''}IN (${e.values.map(expr).join(', ')})`;
    case 'InSubquery': return `${sub(e.operand, P_CMP)} ${e.not ? 'NOT ' : ''}IN (${query(e.query)})`;
    case 'Like':
      return `${sub(e.operand, P_CMP)} ${e.not ? 'NOT ' : ''}${e.op} ${sub(e.pattern, P_ADD)}`
        + (e.escape ? ` ESCAPE ${sub(e.escape, P_ADD)}` : '');
    case 'Exists': return `EXISTS (${query(e.query)})`;
    case 'Subquery': return `(${query(e.query)})`;
    case 'Case':
      return `CASE${e.operand ? ` ${expr(e.operand)}` : ''}`
        + e.whens.map((w) => ` WHEN ${expr(w.when)} THEN ${expr(w.then)}`).join('')
        + (e.else ? ` ELSE ${expr(e.else)}` : '') + ' END';
    case 'Cast': return `${e.try ? 'TRY_CAST' : 'CAST'}(${expr(e.expr)} AS ${dataType(e.type)})`;
    case 'FunctionCall': {
      let s = `${quoteFunctionName(e.name)}(${e.distinct ? 'DISTINCT ' : ''}${e.json ? jsonArgs(e.args, e.json) : e.args.map(expr).join(', ')})`;
      if (e.filter) s += ` FILTER (WHERE ${expr(e.filter)})`;
      if (e.over !== undefined) s += ` OVER ${typeof e.over === 'string' ? quoteIdent(e.over) : windowSpec(e.over)}`;
      return s;
    }
    case 'BuiltinValue': return e.name;
    case 'Extract': return `EXTRACT(${e.unit} FROM ${expr(e.source)})`;
    case 'Trim':
      return `TRIM(${e.side ? `${e.side} ` : ''}${e.chars ? `${expr(e.chars)} ` : ''}`
        + `${e.side || e.chars ? 'FROM ' : ''}${expr(e.source)})`;
    case 'Position': return `POSITION(${sub(e.needle, P_ADD)} IN ${expr(e.haystack)})`;
    case 'Substring': return `SUBSTRING(${expr(e.source)} FROM ${expr(e.from)}${e.for ? ` FOR ${expr(e.for)}` : ''})`;
    case 'Overlay':
      return `OVERLAY(${expr(e.source)} PLACING ${expr(e.replacement)} FROM ${expr(e.from)}`
        + `${e.for ? ` FOR ${expr(e.for)}` : ''})`;
    case 'FloorCeil': return `${e.fn}(${expr(e.source)} TO ${e.unit})`;
    case 'ArrayConstructor': return `ARRAY[${e.elements.map(expr).join(', ')}]`;
    case 'MapConstructor': return `MAP[${e.entries.map((x) => `${expr(x.key)}, ${expr(x.value)}`).join(', ')}]`;
    case 'RowConstructor': return `${e.explicit ? 'ROW' : ''}(${e.fields.map(expr).join(', ')})`;
    case 'Subscript': return `${sub(e.target, P_ATOM)}[${expr(e.index)}]`;
    case 'FieldAccess': {
      // `a.b` would read back as one qualified name, so keep the target in parentheses.
      // A number target would swallow the dot (`0.x`), so it gets them too.
      const target = e.target.kind === 'Identifier' || e.target.kind === 'NumberLiteral' ? `(${expr(e.target)})` : sub(e.target, P_ATOM);
      return `${target}.${quoteIdent(e.field)}`;
    }
    case 'NamedArgument': return `${quoteIdent(e.name)} => ${expr(e.value)}`;
    case 'TableArgument': {
      let s = `TABLE ${name(e.table)}`;
      const list = <T>(xs: T[], f: (x: T) => string): string => (xs.length === 1 ? f(xs[0]!) : `(${xs.map(f).join(', ')})`);
      if (e.partitionBy.length) s += ` PARTITION BY ${list(e.partitionBy, expr)}`;
      if (e.orderBy.length) s += ` ORDER BY ${list(e.orderBy, orderItem)}`;
      return s;
    }
    case 'Descriptor': return `DESCRIPTOR(${e.columns.map(quoteIdent).join(', ')})`;
    case 'ModelArgument': return `MODEL ${name(e.name)}`;
  }
}

function jsonArgs(args: A.Expr[], j: A.JsonClauses): string {
  let s: string;
  if (j.keyValue) {
    const pairs: string[] = [];
    for (let i = 0; i + 1 < args.length; i += 2) pairs.push(`KEY ${expr(args[i]!)} VALUE ${expr(args[i + 1]!)}`);
    s = pairs.join(', ');
  } else {
    s = args.map(expr).join(', ');
  }
  const behavior = (b: A.JsonBehavior): string => (b.kind === 'DEFAULT' ? `DEFAULT ${expr(b.default!)}` : b.kind);
  const clauses: string[] = [];
  if (j.returning) clauses.push(`RETURNING ${dataType(j.returning)}`);
  if (j.wrapper) clauses.push(j.wrapper === 'WITHOUT' ? 'WITHOUT ARRAY WRAPPER' : `WITH ${j.wrapper} ARRAY WRAPPER`);
  if (j.onEmpty) clauses.push(`${behavior(j.onEmpty)} ON EMPTY`);
  if (j.onError) clauses.push(`${behavior(j.onError)} ON ERROR`);
  if (j.onNull) clauses.push(`${j.onNull} ON NULL`);
  return [s, ...clauses].filter((x) => x !== '').join(' ');
}

function dataType(t: A.DataType): string {
  let s: string;
  switch (t.kind) {
    case 'PrimitiveType':
      s = t.name;
      if (t.precision !== undefined) s += `(${t.precision}${t.scale !== undefined ? `, ${t.scale}` : ''})`;
      break;
    case 'ArrayType': s = `ARRAY<${dataType(t.element)}>`; break;
    case 'MultisetType': s = `MULTISET<${dataType(t.element)}>`; break;
    case 'MapType': s = `MAP<${dataType(t.key)}, ${dataType(t.value)}>`; break;
    case 'RowType':
      s = `ROW<${t.fields.map((f) => `${quoteIdent(f.name)} ${dataType(f.type)}${f.comment !== undefined ? ` ${quoteString(f.comment)}` : ''}`).join(', ')}>`;
      break;
    case 'IntervalType': s = `INTERVAL ${qualifier(t.qualifier)}`; break;
  }
  return t.nullable ? s : `${s} NOT NULL`;
}

function hints(hs: A.Hint[] | undefined): string {
  if (!hs) return '';
  const one = (h: A.Hint): string => {
    const inner = [
      ...h.options.map((o) => `${quoteString(o.key)} = ${quoteString(o.value)}`),
      ...h.args.map(quoteIdent),
    ];
    return inner.length ? `${h.name}(${inner.join(', ')})` : h.name;
  };
  return ` /*+ ${hs.map(one).join(', ')} */`;
}

function alias(a: A.TableAlias | undefined): string {
  if (!a) return '';
  return ` AS ${quoteIdent(a.name)}${a.columns ? `(${a.columns.map(quoteIdent).join(', ')})` : ''}`;
}

function pattern(p: A.PatternTerm): string {
  switch (p.kind) {
    case 'PatternVar': return quoteIdent(p.name);
    case 'PatternSeq': return p.items.map((i) => (i.kind === 'PatternAlt' ? `(${pattern(i)})` : pattern(i))).join(' ');
    case 'PatternAlt': return p.alternatives.map(pattern).join(' | ');
    case 'PatternQuant': {
      const inner = p.term.kind === 'PatternVar' ? pattern(p.term) : `(${pattern(p.term)})`;
      let q: string;
      if (p.braces) q = p.max === p.min ? `{${p.min}}` : `{${p.min},${p.max ?? ''}}`;
      else if (p.min === 0 && p.max === 1) q = '?';
      else q = p.min === 0 ? '*' : '+';
      return inner + q + (p.reluctant ? '?' : '');
    }
  }
}

function afterMatch(a: A.AfterMatchSkip): string {
  switch (a.kind) {
    case 'PastLastRow': return 'PAST LAST ROW';
    case 'ToNextRow': return 'TO NEXT ROW';
    case 'ToFirst': return `TO FIRST ${quoteIdent(a.variable)}`;
    case 'ToLast': return `TO LAST ${quoteIdent(a.variable)}`;
    case 'To': return `TO ${quoteIdent(a.variable)}`;
  }
}

function tableRef(t: A.TableRef): string {
  switch (t.kind) {
    case 'NamedTable':
      return name(t.name) + hints(t.hints) + (t.forSystemTime ? ` FOR SYSTEM_TIME AS OF ${expr(t.forSystemTime)}` : '') + alias(t.alias);
    case 'DerivedTable': return `${t.lateral ? 'LATERAL ' : ''}(${query(t.query)})${alias(t.alias)}`;
    case 'TableFunction':
      return (t.lateral ? 'LATERAL ' : '') + (t.tableWrapper ? `TABLE(${expr(t.call)})` : expr(t.call)) + alias(t.alias);
    case 'Unnest':
      return `${t.lateral ? 'LATERAL ' : ''}UNNEST(${t.args.map(expr).join(', ')})`
        + (t.withOrdinality ? ' WITH ORDINALITY' : '') + alias(t.alias);
    case 'Join': {
      const right = t.right.kind === 'Join' ? `(${tableRef(t.right)})` : tableRef(t.right);
      if (t.joinType === 'COMMA') return `${tableRef(t.left)}, ${right}`;
      const kw = t.joinType === 'INNER' ? 'JOIN' : `${t.joinType} JOIN`;
      return `${tableRef(t.left)} ${kw} ${right}`
        + (t.on ? ` ON ${expr(t.on)}` : '') + (t.using ? ` USING (${t.using.map(quoteIdent).join(', ')})` : '');
    }
    case 'ParenTable': return `(${tableRef(t.inner)})${alias(t.alias)}`;
    case 'MatchRecognize': {
      const parts: string[] = [];
      if (t.partitionBy.length) parts.push(`PARTITION BY ${t.partitionBy.map(expr).join(', ')}`);
      if (t.orderBy.length) parts.push(`ORDER BY ${t.orderBy.map(orderItem).join(', ')}`);
      if (t.measures.length) parts.push(`MEASURES ${t.measures.map((m) => `${expr(m.expr)} AS ${quoteIdent(m.alias!)}`).join(', ')}`);
      if (t.rowsPerMatch) parts.push(t.rowsPerMatch === 'ONE' ? 'ONE ROW PER MATCH' : 'ALL ROWS PER MATCH');
      if (t.afterMatch) parts.push(`AFTER MATCH SKIP ${afterMatch(t.afterMatch)}`);
      parts.push(`PATTERN (${pattern(t.pattern)})`);
      if (t.within) parts.push(`WITHIN ${expr(t.within)}`);
      if (t.subsets.length) {
        parts.push(`SUBSET ${t.subsets.map((s) => `${quoteIdent(s.name)} = (${s.variables.map(quoteIdent).join(', ')})`).join(', ')}`);
      }
      parts.push(`DEFINE ${t.define.map((d) => `${quoteIdent(d.variable)} AS ${expr(d.condition)}`).join(', ')}`);
      return `${tableRef(t.input)} MATCH_RECOGNIZE (${parts.join(' ')})${alias(t.alias)}`;
    }
  }
}

function groupItem(g: A.GroupItem): string {
  switch (g.kind) {
    case 'GroupingSets': return `GROUPING SETS (${g.items.map(groupItem).join(', ')})`;
    case 'Rollup': return `ROLLUP (${g.items.map(expr).join(', ')})`;
    case 'Cube': return `CUBE (${g.items.map(expr).join(', ')})`;
    case 'EmptyGroup': return '()';
    default: return expr(g);
  }
}

function queryBody(b: A.QueryBody): string {
  switch (b.kind) {
    case 'Select': {
      let s = `SELECT${hints(b.hints)} ${b.distinct ? 'DISTINCT ' : ''}`
        + b.items.map((i) => expr(i.expr) + (i.alias !== undefined ? ` AS ${quoteIdent(i.alias)}` : '')).join(', ');
      if (b.from) s += ` FROM ${tableRef(b.from)}`;
      if (b.where) s += ` WHERE ${expr(b.where)}`;
      if (b.groupBy.length) s += ` GROUP BY ${b.groupBy.map(groupItem).join(', ')}`;
      if (b.having) s += ` HAVING ${expr(b.having)}`;
      if (b.windows.length) s += ` WINDOW ${b.windows.map((w) => `${quoteIdent(w.name)} AS ${windowSpec(w.spec)}`).join(', ')}`;
      return s;
    }
    case 'SetOperation':
      return `${queryBody(b.left)} ${b.op}${b.all ? ' ALL' : ''} ${queryBody(b.right)}`;
    case 'Values': return `VALUES ${b.rows.map((r) => `(${r.map(expr).join(', ')})`).join(', ')}`;
    case 'Query': return `(${query(b)})`;
  }
}

function query(q: A.Query): string {
  let s = '';
  if (q.with.length) {
    s += 'WITH ' + q.with.map((c) => `${quoteIdent(c.name)}${c.columns ? `(${c.columns.map(quoteIdent).join(', ')})` : ''} AS (${query(c.query)})`).join(', ') + ' ';
  }
  s += queryBody(q.body);
  if (q.orderBy.length) s += ` ORDER BY ${q.orderBy.map(orderItem).join(', ')}`;
  if (q.limit) s += ` LIMIT ${expr(q.limit)}`;
  if (q.offset) s += ` OFFSET ${expr(q.offset)}`;
  return s;
}

function props(p: A.Property[]): string {
  return `(${p.map((x) => `${quoteString(x.key)} = ${quoteString(x.value)}`).join(', ')})`;
}

function column(c: A.ColumnDef): string {
  const comment = c.comment !== undefined ? ` COMMENT ${quoteString(c.comment)}` : '';
  switch (c.kind) {
    case 'PhysicalColumn': return `${quoteIdent(c.name)} ${dataType(c.type)}${c.primaryKey ? ' PRIMARY KEY NOT ENFORCED' : ''}${comment}`;
    case 'ComputedColumn': return `${quoteIdent(c.name)} AS ${expr(c.expr)}${comment}`;
    case 'MetadataColumn':
      return `${quoteIdent(c.name)} ${dataType(c.type)} METADATA${c.from !== undefined ? ` FROM ${quoteString(c.from)}` : ''}`
        + `${c.virtual ? ' VIRTUAL' : ''}${comment}`;
  }
}

function insert(s: A.Insert): string {
  return `INSERT ${s.overwrite ? 'OVERWRITE' : 'INTO'} ${name(s.table)}${hints(s.hints)}`
    + (s.partition.length ? ` PARTITION (${s.partition.map((p) => `${quoteIdent(p.key)} = ${quoteString(p.value)}`).join(', ')})` : '')
    + (s.columns ? ` (${s.columns.map(quoteIdent).join(', ')})` : '') + ` ${query(s.query)}`;
}

function statement(s: A.Statement): string {
  const temp = (t: boolean): string => (t ? 'TEMPORARY ' : '');
  switch (s.kind) {
    case 'CreateTable': {
      const elems = s.columns.map(column);
      if (s.watermark) elems.push(`WATERMARK FOR ${name(s.watermark.column)} AS ${expr(s.watermark.expr)}`);
      const inline = s.columns.some((c) => c.kind === 'PhysicalColumn' && c.primaryKey);
      if (s.primaryKey && !inline) {
        elems.push(`${s.primaryKey.name !== undefined ? `CONSTRAINT ${quoteIdent(s.primaryKey.name)} ` : ''}`
          + `PRIMARY KEY (${s.primaryKey.columns.map(quoteIdent).join(', ')}) NOT ENFORCED`);
      }
      let out = `CREATE ${temp(s.temporary)}TABLE ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${name(s.name)}`;
      if (elems.length) out += ` (\n  ${elems.join(',\n  ')}\n)`;
      if (s.comment !== undefined) out += ` COMMENT ${quoteString(s.comment)}`;
      if (s.partitionedBy.length) out += ` PARTITIONED BY (${s.partitionedBy.map(quoteIdent).join(', ')})`;
      if (s.options.length) out += ` WITH ${props(s.options)}`;
      if (s.asQuery) out += ` AS ${query(s.asQuery)}`;
      return out;
    }
    case 'CreateView':
      return `CREATE ${temp(s.temporary)}VIEW ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${name(s.name)}`
        + (s.columns ? ` (${s.columns.map(quoteIdent).join(', ')})` : '')
        + (s.comment !== undefined ? ` COMMENT ${quoteString(s.comment)}` : '') + ` AS ${query(s.query)}`;
    case 'CreateFunction':
      return `CREATE ${temp(s.temporary)}${s.system ? 'SYSTEM ' : ''}FUNCTION ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}`
        + `${name(s.name)} AS ${quoteString(s.identifier)}${s.language ? ` LANGUAGE ${s.language}` : ''}`;
    case 'CreateModel':
      return `CREATE ${temp(s.temporary)}MODEL ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${name(s.name)}`
        + (s.input.length ? ` INPUT (${s.input.map(column).join(', ')})` : '')
        + (s.output.length ? ` OUTPUT (${s.output.map(column).join(', ')})` : '')
        + (s.comment !== undefined ? ` COMMENT ${quoteString(s.comment)}` : '') + ` WITH ${props(s.options)}`;
    case 'CreateCatalog': case 'CreateDatabase':
      return `CREATE ${s.kind === 'CreateCatalog' ? 'CATALOG' : 'DATABASE'} ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}`
        + `${s.kind === 'CreateCatalog' ? quoteIdent(s.name) : name(s.name)}`
        + (s.comment !== undefined ? ` COMMENT ${quoteString(s.comment)}` : '')
        + (s.options.length ? ` WITH ${props(s.options)}` : '');
    case 'Set': return s.key === undefined ? 'SET' : `SET ${quoteString(s.key)} = ${quoteString(s.value ?? '')}`;
    case 'Reset': return s.key === undefined ? 'RESET' : `RESET ${quoteString(s.key)}`;
    case 'Insert': return insert(s);
    case 'StatementSet':
      return s.execute
        ? `EXECUTE STATEMENT SET BEGIN\n${s.inserts.map((i) => `${insert(i)};\n`).join('')}END`
        : `BEGIN STATEMENT SET;\n${s.inserts.map((i) => `${insert(i)};\n`).join('')}END`;
    case 'QueryStatement': return query(s.query);
    case 'Explain':
      return `EXPLAIN ${s.planFor ? 'PLAN FOR ' : ''}${s.details.length ? `${s.details.join(', ')} ` : ''}`
        + (s.statement.kind === 'StatementSet'
          ? `STATEMENT SET BEGIN\n${s.statement.inserts.map((i) => `${insert(i)};\n`).join('')}END`
          : statement(s.statement));
    case 'Show': return `SHOW ${s.object}`;
    case 'ShowCreate': return `SHOW CREATE ${s.object} ${name(s.name)}`;
    case 'Describe': return `DESCRIBE ${s.extended ? 'EXTENDED ' : ''}${s.model ? 'MODEL ' : ''}${name(s.name)}`;
    case 'Drop':
      return `DROP ${temp(s.temporary)}${s.system ? 'SYSTEM ' : ''}${s.object} ${s.ifExists ? 'IF EXISTS ' : ''}${name(s.name)}`
        + (s.cascade === undefined ? '' : s.cascade ? ' CASCADE' : ' RESTRICT');
    case 'Use': return `USE ${s.catalog ? 'CATALOG ' : ''}${name(s.name)}`;
  }
}

const STATEMENT_KINDS = new Set<string>([
  'CreateTable', 'CreateView', 'CreateFunction', 'CreateModel', 'CreateCatalog', 'CreateDatabase', 'Set', 'Reset', 'Insert', 'StatementSet',
  'QueryStatement', 'Explain', 'Show', 'ShowCreate', 'Describe', 'Drop', 'Use',
]);
const TYPE_KINDS = new Set<string>(['PrimitiveType', 'ArrayType', 'MultisetType', 'MapType', 'RowType', 'IntervalType']);
const TABLE_KINDS = new Set<string>(['NamedTable', 'DerivedTable', 'TableFunction', 'Unnest', 'Join', 'ParenTable', 'MatchRecognize']);

/**
 * Canonical Flink SQL text for a node: keywords upper-case, names quoted only when needed, minimal
 * parentheses. Parsing the result gives the same tree (ignoring spans; compare with `stripSpans`).
 *
 * @example
 * unparse(parseExpression('a+b*c')); // 'a + b * c'
 */
export function unparse(node: A.Node): string {
  if (STATEMENT_KINDS.has(node.kind)) return statement(node as A.Statement);
  if (TYPE_KINDS.has(node.kind)) return dataType(node as A.DataType);
  if (TABLE_KINDS.has(node.kind)) return tableRef(node as A.TableRef);
  if (node.kind === 'Query') return query(node as A.Query);
  if (node.kind === 'Select' || node.kind === 'SetOperation' || node.kind === 'Values') return queryBody(node as A.QueryBody);
  return expr(node as A.Expr);
}

/** A script as text: statements separated by `;` and a blank line. */
export function unparseScript(statements: A.Statement[]): string {
  return statements.map((s) => `${statement(s)};`).join('\n\n');
}

/** A deep copy without `span` fields, for comparing trees parsed from different text. */
export function stripSpans<T>(node: T): T {
  if (Array.isArray(node)) return node.map((x) => stripSpans(x)) as T;
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (k !== 'span') out[k] = stripSpans(v);
    return out as T;
  }
  return node;
}
