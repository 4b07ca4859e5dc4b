/**
 * The typed syntax tree of weir's Flink SQL dialect. Every node has `kind` (the discriminant) and
 * `span` (where it came from). Names keep the case the user wrote; keywords are normalised upper-case.
 * Qualified names are `string[]` (`cat.db.t` -> `['cat', 'db', 't']`).
 */

/** Source range of a node: offsets `[start, end)` and the 1-based line/column of `start`. */
export interface Span {
  start: number;
  end: number;
  line: number;
  column: number;
}

interface NodeBase {
  span: Span;
}

// ---------------------------------------------------------------- data types

/** Names of the types without type parameters other than precision/scale/length. */
export type PrimitiveTypeName =
  | 'BOOLEAN' | 'TINYINT' | 'SMALLINT' | 'INT' | 'BIGINT' | 'FLOAT' | 'DOUBLE' | 'DECIMAL'
  | 'CHAR' | 'VARCHAR' | 'STRING' | 'BINARY' | 'VARBINARY' | 'BYTES'
  | 'DATE' | 'TIME' | 'TIMESTAMP' | 'TIMESTAMP_LTZ' | 'NULL';

/**
 * A scalar type. Spellings are normalised: INTEGER -> INT, REAL -> FLOAT, DOUBLE PRECISION -> DOUBLE,
 * DEC/NUMERIC -> DECIMAL, `TIMESTAMP WITH LOCAL TIME ZONE` -> TIMESTAMP_LTZ, `WITHOUT TIME ZONE` dropped.
 * `precision` is also the length of CHAR/VARCHAR/BINARY/VARBINARY.
 */
export interface PrimitiveType extends NodeBase {
  kind: 'PrimitiveType';
  name: PrimitiveTypeName;
  precision?: number;
  scale?: number;
  nullable: boolean;
}
export interface ArrayType extends NodeBase { kind: 'ArrayType'; element: DataType; nullable: boolean }
export interface MultisetType extends NodeBase { kind: 'MultisetType'; element: DataType; nullable: boolean }
export interface MapType extends NodeBase { kind: 'MapType'; key: DataType; value: DataType; nullable: boolean }
export interface RowField { name: string; type: DataType; comment?: string }
export interface RowType extends NodeBase { kind: 'RowType'; fields: RowField[]; nullable: boolean }
export interface IntervalType extends NodeBase { kind: 'IntervalType'; qualifier: IntervalQualifier; nullable: boolean }

export type DataType = PrimitiveType | ArrayType | MultisetType | MapType | RowType | IntervalType;

export type TimeUnit = 'YEAR' | 'MONTH' | 'DAY' | 'HOUR' | 'MINUTE' | 'SECOND';

/** `HOUR`, `SECOND(3)`, `DAY(2) TO SECOND(3)`. */
export interface IntervalQualifier {
  start: TimeUnit;
  startPrecision?: number;
  end?: TimeUnit;
  endPrecision?: number;
}

// ---------------------------------------------------------------- expressions

export interface NumberLiteral extends NodeBase { kind: 'NumberLiteral'; value: string }
export interface StringLiteral extends NodeBase { kind: 'StringLiteral'; value: string }
/** `X'0AFF'`; `value` holds the hex digits. */
export interface BinaryLiteral extends NodeBase { kind: 'BinaryLiteral'; value: string }
export interface BooleanLiteral extends NodeBase { kind: 'BooleanLiteral'; value: boolean }
export interface NullLiteral extends NodeBase { kind: 'NullLiteral' }
/** `DATE '2024-01-01'`, `TIME '12:00:00'`, `TIMESTAMP '2024-01-01 00:00:00'`, `TIMESTAMP_LTZ '...'`. */
export interface TypedLiteral extends NodeBase {
  kind: 'TypedLiteral';
  type: 'DATE' | 'TIME' | 'TIMESTAMP' | 'TIMESTAMP_LTZ';
  value: string;
}
/** `INTERVAL '10' SECOND`, `INTERVAL '1 2:03' DAY TO MINUTE`, `INTERVAL -'1' HOUR` (negative: true). */
export interface IntervalLiteral extends NodeBase {
  kind: 'IntervalLiteral';
  value: string;
  negative: boolean;
  qualifier: IntervalQualifier;
}
/** A column or other name, possibly qualified: `c`, `t.c`, `row.field.sub`. */
export interface Identifier extends NodeBase { kind: 'Identifier'; parts: string[] }
/** `*` or `t.*`; only valid in select lists and `COUNT(*)`. */
export interface Star extends NodeBase { kind: 'Star'; qualifier: string[] }
/** `?` placeholder. */
export interface Parameter extends NodeBase { kind: 'Parameter'; index: number }

export type BinaryOperator =
  | 'OR' | 'AND'
  | '=' | '<>' | '!=' | '<' | '>' | '<=' | '>=' | '<=>'
  | '+' | '-' | '*' | '/' | '%' | '||';

export interface BinaryExpr extends NodeBase { kind: 'Binary'; op: BinaryOperator; left: Expr; right: Expr }
export interface UnaryExpr extends NodeBase { kind: 'Unary'; op: 'NOT' | '-' | '+'; operand: Expr }
/** `x IS [NOT] NULL | TRUE | FALSE | UNKNOWN`. */
export interface IsExpr extends NodeBase {
  kind: 'Is';
  operand: Expr;
  not: boolean;
  test: 'NULL' | 'TRUE' | 'FALSE' | 'UNKNOWN';
}
export interface IsDistinctFromExpr extends NodeBase { kind: 'IsDistinctFrom'; left: Expr; right: Expr; not: boolean }
export interface BetweenExpr extends NodeBase {
  kind: 'Between';
  operand: Expr;
  low: Expr;
  high: Expr;
  not: boolean;
  symmetric: boolean;
}
export interface InListExpr extends NodeBase { kind: 'InList'; operand: Expr; values: Expr[]; not: boolean }
export interface InSubqueryExpr extends NodeBase { kind: 'InSubquery'; operand: Expr; query: Query; not: boolean }
export interface LikeExpr extends NodeBase {
  kind: 'Like';
  op: 'LIKE' | 'SIMILAR TO';
  operand: Expr;
  pattern: Expr;
  escape?: Expr;
  not: boolean;
}
export interface ExistsExpr extends NodeBase { kind: 'Exists'; query: Query }
export interface SubqueryExpr extends NodeBase { kind: 'Subquery'; query: Query }
export interface CaseExpr extends NodeBase {
  kind: 'Case';
  /** Present for the simple form `CASE x WHEN 1 THEN ...`. */
  operand?: Expr;
  whens: { when: Expr; then: Expr }[];
  else?: Expr;
}
export interface CastExpr extends NodeBase { kind: 'Cast'; expr: Expr; type: DataType; try: boolean }

/** `OVER (...)` contents, also the body of a named `WINDOW w AS (...)`. */
export interface WindowSpec extends NodeBase {
  kind: 'WindowSpec';
  /** `OVER (w ORDER BY ...)`: the window this one refines. */
  base?: string;
  partitionBy: Expr[];
  orderBy: OrderItem[];
  frame?: WindowFrame;
}
export interface WindowFrame {
  unit: 'ROWS' | 'RANGE';
  start: FrameBound;
  /** Absent for the short form `ROWS 10 PRECEDING`. */
  end?: FrameBound;
}
export type FrameBound =
  | { kind: 'UnboundedPreceding' }
  | { kind: 'UnboundedFollowing' }
  | { kind: 'CurrentRow' }
  | { kind: 'Preceding'; offset: Expr }
  | { kind: 'Following'; offset: Expr };

/**
 * A function call. `args` may contain `Star` (`COUNT(*)`), `NamedArgument`, `TableArgument`,
 * `Descriptor` and `ModelArgument` (window TVFs, ML_PREDICT). `over` is a spec or a window name.
 */
export interface FunctionCall extends NodeBase {
  kind: 'FunctionCall';
  name: string[];
  args: Expr[];
  distinct: boolean;
  filter?: Expr;
  over?: WindowSpec | string;
  /** SQL/JSON clauses; present only on JSON_* calls that use them. */
  json?: JsonClauses;
}

/** What JSON_VALUE / JSON_QUERY / JSON_EXISTS do on an empty result or an error. */
export interface JsonBehavior {
  kind: 'NULL' | 'ERROR' | 'DEFAULT' | 'EMPTY ARRAY' | 'EMPTY OBJECT' | 'TRUE' | 'FALSE' | 'UNKNOWN';
  /** The expression of `DEFAULT expr`. */
  default?: Expr;
}

/**
 * Keyword clauses of the SQL/JSON functions, e.g. `JSON_VALUE(j, '$.a' RETURNING INT DEFAULT 0 ON EMPTY)`,
 * `JSON_OBJECT(KEY 'k' VALUE v ABSENT ON NULL)`.
 */
export interface JsonClauses {
  /** JSON_OBJECT / JSON_OBJECTAGG: `args` alternate key, value, key, value. */
  keyValue?: boolean;
  returning?: DataType;
  /** JSON_QUERY: `WITHOUT WRAPPER`, `WITH CONDITIONAL WRAPPER`, `WITH [UNCONDITIONAL] WRAPPER`. */
  wrapper?: 'WITHOUT' | 'CONDITIONAL' | 'UNCONDITIONAL';
  onEmpty?: JsonBehavior;
  onError?: JsonBehavior;
  onNull?: 'NULL' | 'ABSENT';
}
/** Niladic SQL functions written without parentheses: CURRENT_TIMESTAMP, LOCALTIME, CURRENT_DATE, ... */
export interface BuiltinValue extends NodeBase { kind: 'BuiltinValue'; name: string }
export interface ExtractExpr extends NodeBase { kind: 'Extract'; unit: string; source: Expr }
export interface TrimExpr extends NodeBase {
  kind: 'Trim';
  side?: 'BOTH' | 'LEADING' | 'TRAILING';
  chars?: Expr;
  source: Expr;
}
export interface PositionExpr extends NodeBase { kind: 'Position'; needle: Expr; haystack: Expr }
/** `SUBSTRING(s FROM a [FOR b])`; the comma form is a plain `FunctionCall`. */
export interface SubstringExpr extends NodeBase { kind: 'Substring'; source: Expr; from: Expr; for?: Expr }
/** `FLOOR(ts TO HOUR)`, `CEIL(ts TO DAY)`; the one-argument numeric forms are plain `FunctionCall`s. */
export interface FloorCeilExpr extends NodeBase { kind: 'FloorCeil'; fn: 'FLOOR' | 'CEIL'; source: Expr; unit: string }
export interface OverlayExpr extends NodeBase { kind: 'Overlay'; source: Expr; replacement: Expr; from: Expr; for?: Expr }
export interface ArrayConstructor extends NodeBase { kind: 'ArrayConstructor'; elements: Expr[] }
export interface MapConstructor extends NodeBase { kind: 'MapConstructor'; entries: { key: Expr; value: Expr }[] }
/** `ROW(a, b)` (explicit) or `(a, b)` (implicit). */
export interface RowConstructor extends NodeBase { kind: 'RowConstructor'; fields: Expr[]; explicit: boolean }
/** `a[1]`, `m['k']`. */
export interface Subscript extends NodeBase { kind: 'Subscript'; target: Expr; index: Expr }
/** `.field` applied to something that is not a plain name, e.g. `f(x).a` or `a[1].b`. */
export interface FieldAccess extends NodeBase { kind: 'FieldAccess'; target: Expr; field: string }
/** `name => value` in a function call. */
export interface NamedArgument extends NodeBase { kind: 'NamedArgument'; name: string; value: Expr }
/** `TABLE t [PARTITION BY k] [ORDER BY o]` as a table function argument. */
export interface TableArgument extends NodeBase {
  kind: 'TableArgument';
  table: string[];
  partitionBy: Expr[];
  orderBy: OrderItem[];
}
/** `DESCRIPTOR(a, b)`. */
export interface Descriptor extends NodeBase { kind: 'Descriptor'; columns: string[] }
/** `MODEL m` as an argument of ML_PREDICT. */
export interface ModelArgument extends NodeBase { kind: 'ModelArgument'; name: string[] }

export type Expr =
  | NumberLiteral | StringLiteral | BinaryLiteral | BooleanLiteral | NullLiteral | TypedLiteral | IntervalLiteral
  | Identifier | Star | Parameter
  | BinaryExpr | UnaryExpr | IsExpr | IsDistinctFromExpr | BetweenExpr | InListExpr | InSubqueryExpr | LikeExpr
  | ExistsExpr | SubqueryExpr | CaseExpr | CastExpr
  | FunctionCall | BuiltinValue | ExtractExpr | TrimExpr | PositionExpr | SubstringExpr | OverlayExpr | FloorCeilExpr
  | ArrayConstructor | MapConstructor | RowConstructor | Subscript | FieldAccess
  | NamedArgument | TableArgument | Descriptor | ModelArgument;

// ---------------------------------------------------------------- queries

export interface OrderItem {
  expr: Expr;
  direction?: 'ASC' | 'DESC';
  nulls?: 'FIRST' | 'LAST';
}

export interface SelectItem {
  expr: Expr;
  alias?: string;
}

/** `ROLLUP(...)`, `CUBE(...)`, `GROUPING SETS(...)`; `()` in a grouping set is `EmptyGroup`. */
export interface GroupingSets extends NodeBase { kind: 'GroupingSets'; items: GroupItem[] }
export interface Rollup extends NodeBase { kind: 'Rollup'; items: Expr[] }
export interface Cube extends NodeBase { kind: 'Cube'; items: Expr[] }
export interface EmptyGroup extends NodeBase { kind: 'EmptyGroup' }
export type GroupItem = Expr | GroupingSets | Rollup | Cube | EmptyGroup;

export interface NamedWindow { name: string; spec: WindowSpec }

/**
 * A hint comment: `/*+ OPTIONS('k' = 'v') *\/` has `options`, `/*+ BROADCAST(t1, t2) *\/` has `args`,
 * `/*+ NAME *\/` neither. Only read after SELECT and after a table name, as in Flink.
 */
export interface Hint { name: string; options: Property[]; args: string[] }

export interface Select extends NodeBase {
  kind: 'Select';
  /** Query hints, e.g. `SELECT /*+ STATE_TTL('o' = '1d') *\/ ...`; absent when there are none. */
  hints?: Hint[];
  distinct: boolean;
  items: SelectItem[];
  from?: TableRef;
  where?: Expr;
  groupBy: GroupItem[];
  having?: Expr;
  windows: NamedWindow[];
}

export interface SetOperation extends NodeBase {
  kind: 'SetOperation';
  op: 'UNION' | 'INTERSECT' | 'EXCEPT';
  all: boolean;
  left: QueryBody;
  right: QueryBody;
}

export interface Values extends NodeBase { kind: 'Values'; rows: Expr[][] }

export type QueryBody = Select | SetOperation | Values | Query;

export interface CommonTableExpr {
  name: string;
  columns?: string[];
  query: Query;
}

/**
 * A full query: optional `WITH`, a body, then `ORDER BY` and `LIMIT`/`OFFSET`.
 * `OFFSET n ROWS FETCH FIRST m ROWS ONLY` is normalised to `offset`/`limit`.
 */
export interface Query extends NodeBase {
  kind: 'Query';
  with: CommonTableExpr[];
  body: QueryBody;
  orderBy: OrderItem[];
  limit?: Expr;
  offset?: Expr;
}

/** `AS a (c1, c2)` after a table reference. */
export interface TableAlias { name: string; columns?: string[] }

export interface NamedTableRef extends NodeBase {
  kind: 'NamedTable';
  name: string[];
  /** Table hints, e.g. `t /*+ OPTIONS('scan.startup.mode' = 'earliest-offset') *\/`; absent when none. */
  hints?: Hint[];
  alias?: TableAlias;
  /** `FOR SYSTEM_TIME AS OF expr` (temporal join). */
  forSystemTime?: Expr;
}
export interface DerivedTableRef extends NodeBase {
  kind: 'DerivedTable';
  query: Query;
  lateral: boolean;
  alias?: TableAlias;
}
/**
 * A table function in FROM: window TVFs, ML_PREDICT, `LATERAL TABLE(udtf(x))`.
 * `tableWrapper` says whether it was written `TABLE(f(...))` or bare `f(...)`.
 */
export interface TableFunctionRef extends NodeBase {
  kind: 'TableFunction';
  call: FunctionCall;
  lateral: boolean;
  tableWrapper: boolean;
  alias?: TableAlias;
}
export interface UnnestRef extends NodeBase {
  kind: 'Unnest';
  args: Expr[];
  withOrdinality: boolean;
  lateral: boolean;
  alias?: TableAlias;
}
export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS' | 'COMMA';
export interface JoinRef extends NodeBase {
  kind: 'Join';
  joinType: JoinType;
  left: TableRef;
  right: TableRef;
  on?: Expr;
  using?: string[];
}
/** `(a JOIN b)` kept as written so unparse puts the parentheses back. */
export interface ParenTableRef extends NodeBase { kind: 'ParenTable'; inner: TableRef; alias?: TableAlias }

export type PatternTerm =
  | { kind: 'PatternVar'; name: string }
  | { kind: 'PatternSeq'; items: PatternTerm[] }
  | { kind: 'PatternAlt'; alternatives: PatternTerm[] }
  /** `max` absent means unbounded. `?` is {0,1}, `*` {0,}, `+` {1,}. */
  | { kind: 'PatternQuant'; term: PatternTerm; min: number; max?: number; reluctant: boolean; braces: boolean };

export type AfterMatchSkip =
  | { kind: 'PastLastRow' }
  | { kind: 'ToNextRow' }
  | { kind: 'ToFirst'; variable: string }
  | { kind: 'ToLast'; variable: string }
  | { kind: 'To'; variable: string };

export interface MatchRecognizeRef extends NodeBase {
  kind: 'MatchRecognize';
  input: TableRef;
  partitionBy: Expr[];
  orderBy: OrderItem[];
  measures: SelectItem[];
  rowsPerMatch?: 'ONE' | 'ALL';
  afterMatch?: AfterMatchSkip;
  pattern: PatternTerm;
  within?: Expr;
  subsets: { name: string; variables: string[] }[];
  define: { variable: string; condition: Expr }[];
  alias?: TableAlias;
}

export type TableRef =
  | NamedTableRef | DerivedTableRef | TableFunctionRef | UnnestRef | JoinRef | ParenTableRef | MatchRecognizeRef;

// ---------------------------------------------------------------- statements

/** `'key' = 'value'` in WITH (...), SET and PARTITION clauses. */
export interface Property { key: string; value: string }

export interface PhysicalColumn extends NodeBase {
  kind: 'PhysicalColumn';
  name: string;
  type: DataType;
  comment?: string;
  /** Column-level `PRIMARY KEY NOT ENFORCED`. */
  primaryKey?: boolean;
}
export interface ComputedColumn extends NodeBase { kind: 'ComputedColumn'; name: string; expr: Expr; comment?: string }
export interface MetadataColumn extends NodeBase {
  kind: 'MetadataColumn';
  name: string;
  type: DataType;
  from?: string;
  virtual: boolean;
  comment?: string;
}
export type ColumnDef = PhysicalColumn | ComputedColumn | MetadataColumn;

export interface Watermark { column: string[]; expr: Expr }
export interface PrimaryKey { name?: string; columns: string[]; enforced: false }

export interface CreateTable extends NodeBase {
  kind: 'CreateTable';
  name: string[];
  temporary: boolean;
  ifNotExists: boolean;
  columns: ColumnDef[];
  watermark?: Watermark;
  primaryKey?: PrimaryKey;
  comment?: string;
  partitionedBy: string[];
  options: Property[];
  /** CREATE TABLE ... AS SELECT. */
  asQuery?: Query;
}
export interface CreateView extends NodeBase {
  kind: 'CreateView';
  name: string[];
  temporary: boolean;
  ifNotExists: boolean;
  columns?: string[];
  comment?: string;
  query: Query;
}
export interface CreateFunction extends NodeBase {
  kind: 'CreateFunction';
  name: string[];
  temporary: boolean;
  system: boolean;
  ifNotExists: boolean;
  /** Flink: a class name; weir: a module path, optionally `#export` (`'./udfs.js#riskScore'`). */
  identifier: string;
  language?: 'JAVA' | 'SCALA' | 'PYTHON' | 'JAVASCRIPT' | 'TYPESCRIPT' | 'SQL';
}
export interface CreateModel extends NodeBase {
  kind: 'CreateModel';
  name: string[];
  temporary: boolean;
  ifNotExists: boolean;
  input: PhysicalColumn[];
  output: PhysicalColumn[];
  comment?: string;
  options: Property[];
}
export interface CreateCatalog extends NodeBase {
  kind: 'CreateCatalog';
  name: string;
  ifNotExists: boolean;
  comment?: string;
  options: Property[];
}
export interface CreateDatabase extends NodeBase {
  kind: 'CreateDatabase';
  name: string[];
  ifNotExists: boolean;
  comment?: string;
  options: Property[];
}
/** `SET` (list all), `SET 'k' = 'v'`. */
export interface SetStatement extends NodeBase { kind: 'Set'; key?: string; value?: string }
/** `RESET` (all) or `RESET 'k'`. */
export interface ResetStatement extends NodeBase { kind: 'Reset'; key?: string }
export interface Insert extends NodeBase {
  kind: 'Insert';
  overwrite: boolean;
  table: string[];
  /** Sink table hints, e.g. `INSERT INTO t /*+ OPTIONS('sink.parallelism' = '2') *\/ SELECT ...`. */
  hints?: Hint[];
  partition: Property[];
  columns?: string[];
  query: Query;
}
/** `EXECUTE STATEMENT SET BEGIN ... END` or the script form `BEGIN STATEMENT SET; ... END;`. */
export interface StatementSet extends NodeBase { kind: 'StatementSet'; inserts: Insert[]; execute: boolean }
export interface QueryStatement extends NodeBase { kind: 'QueryStatement'; query: Query }
export interface Explain extends NodeBase {
  kind: 'Explain';
  /** `EXPLAIN ESTIMATED_COST, CHANGELOG_MODE ...` */
  details: string[];
  planFor: boolean;
  statement: QueryStatement | Insert | StatementSet;
}
export type ShowObject =
  | 'TABLES' | 'VIEWS' | 'FUNCTIONS' | 'USER FUNCTIONS' | 'MODELS' | 'CATALOGS' | 'DATABASES' | 'MODULES' | 'JARS';
export interface Show extends NodeBase { kind: 'Show'; object: ShowObject }
export interface ShowCreate extends NodeBase { kind: 'ShowCreate'; object: 'TABLE' | 'VIEW' | 'MODEL'; name: string[] }
export interface Describe extends NodeBase { kind: 'Describe'; name: string[]; extended: boolean; model: boolean }
export interface Drop extends NodeBase {
  kind: 'Drop';
  object: 'TABLE' | 'VIEW' | 'FUNCTION' | 'MODEL' | 'CATALOG' | 'DATABASE';
  name: string[];
  ifExists: boolean;
  /** `DROP DATABASE ... CASCADE`. */
  cascade?: boolean;
  temporary: boolean;
  system: boolean;
}
export interface Use extends NodeBase { kind: 'Use'; catalog: boolean; name: string[] }

export type Statement =
  | CreateTable | CreateView | CreateFunction | CreateModel | CreateCatalog | CreateDatabase
  | SetStatement | ResetStatement | Insert | StatementSet | QueryStatement | Explain
  | Show | ShowCreate | Describe | Drop | Use;

/** Any node `unparse` accepts. */
export type Node = Statement | Query | QueryBody | Expr | DataType | TableRef;
