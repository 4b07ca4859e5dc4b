#!/usr/bin/env python3
"""Run a Flink SQL script in a local mini-cluster and write the changelog as NDJSON.

Weir's reference runner: streaming mode over bounded file sources, so event-time
windows fire at end of input exactly as in an unbounded streaming job.

    scripts/flink/run-sql.py SCRIPT.sql [--out FILE | --out-dir DIR] [--parallelism N]
                             [--timezone TZ] [--define NAME=VALUE ...] [--query NAME ...]
                             [--sink collect|blackhole] [--stats FILE]

Each output line is {"op": "+I"|"-U"|"+U"|"-D", "row": {column: value, ...}}.
Timestamps are "yyyy-MM-dd HH:mm:ss.SSS" strings (TIMESTAMP_LTZ rendered in the session
time zone), DECIMAL values are strings, integers/floats/booleans are JSON scalars, NULL is null.
With several queries and --out FILE (or stdout) each line also carries "query": NAME;
--out-dir DIR writes DIR/NAME.ndjson per query instead. A query is named by a
`-- name: NAME` comment inside its statement, otherwise q1, q2, ...

Runs under the venv made by scripts/flink/setup; if started with another interpreter it
re-executes itself with the venv's python. See docs/flink-reference.md.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time

DEFAULT_VENV = os.path.join(os.path.expanduser("~"), ".cache", "weir", "flink-venv")
# The mini-cluster runs inside the py4j gateway JVM; 4 GiB heap is plenty for the
# reference workloads and leaves room for the Node engine on a 24 GiB / 2-core box.
DEFAULT_JVM_ARGS = "-Xms512m -Xmx4g -XX:+UseG1GC -XX:ActiveProcessorCount=2"
# Reference runs are tiny: C1-only JIT saves ~30% of their CPU (mostly planner warm-up);
# timing runs (--sink blackhole) keep the full tiered JIT so throughput is representative.
QUICK_JIT_ARGS = "-XX:TieredStopAtLevel=1"


def _ensure_pyflink() -> None:
    """Re-exec under the Flink venv when pyflink is not importable here."""
    try:
        import pyflink  # noqa: F401
        return
    except ImportError:
        pass
    venv = os.environ.get("WEIR_FLINK_VENV", DEFAULT_VENV)
    py = os.path.join(venv, "bin", "python")
    # (compare prefixes, not executables: a venv's python is a symlink to the base one)
    if os.path.exists(py) and os.path.realpath(sys.prefix) != os.path.realpath(venv) \
            and not os.environ.get("_WEIR_FLINK_REEXEC"):
        os.environ["_WEIR_FLINK_REEXEC"] = "1"
        os.execv(py, [py, os.path.abspath(__file__), *sys.argv[1:]])
    sys.exit(f"run-sql: pyflink is not installed in {venv}; run scripts/flink/setup first")


# ---------------------------------------------------------------------------
# Script parsing

class Statement:
    def __init__(self, text: str, comments: list[str], line: int):
        self.text = text          # SQL without comments at its start, no trailing ';'
        self.comments = comments  # text of every comment inside the statement
        self.line = line          # 1-based line where the statement starts

    @property
    def keyword(self) -> str:
        m = re.match(r"\(*\s*([A-Za-z]+)", self.text)
        return m.group(1).upper() if m else ""

    @property
    def name(self) -> str | None:
        for c in self.comments:
            m = re.search(r"\bname:\s*([A-Za-z0-9_.-]+)", c)
            if m:
                return m.group(1)
        return None


def split_statements(sql: str) -> list[Statement]:
    """Split on ';' outside quotes and comments; keep comments for `-- name:` tags."""
    out: list[Statement] = []
    buf: list[str] = []
    comments: list[str] = []
    i, n, line = 0, len(sql), 1
    start_line = 1

    def flush() -> None:
        text = "".join(buf).strip()
        if text:
            out.append(Statement(text, list(comments), start_line))
        buf.clear()
        comments.clear()

    while i < n:
        ch = sql[i]
        if not "".join(buf).strip():
            start_line = line
        if ch == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            comments.append(sql[i + 2:j])
            buf.append(" ")
            i = j
            continue
        if ch == "/" and sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                raise SystemExit(f"run-sql: unterminated /* comment starting at line {line}")
            comments.append(sql[i + 2:j])
            line += sql.count("\n", i, j)
            buf.append(" ")
            i = j + 2
            continue
        if ch in ("'", "`", '"'):
            j = i + 1
            while True:
                k = sql.find(ch, j)
                if k < 0:
                    raise SystemExit(f"run-sql: unterminated {ch} quote starting at line {line}")
                if sql.startswith(ch * 2, k):  # doubled quote is an escaped quote
                    j = k + 2
                    continue
                break
            buf.append(sql[i:k + 1])
            line += sql.count("\n", i, k)
            i = k + 1
            continue
        if ch == ";":
            flush()
            i += 1
            continue
        if ch == "\n":
            line += 1
        buf.append(ch)
        i += 1
    flush()
    return out


def substitute(sql: str, defines: dict[str, str]) -> str:
    def repl(m: re.Match) -> str:
        key = m.group(1)
        if key not in defines:
            raise SystemExit(f"run-sql: ${{{key}}} is used in the script but not defined; "
                             f"pass --define {key}=VALUE")
        return defines[key]
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", repl, sql)


SET_RE = re.compile(r"^SET\s+(?:'([^']*)'|([\w.\-]+))\s*=\s*(?:'((?:[^']|'')*)'|(\S+))\s*$",
                    re.IGNORECASE | re.DOTALL)
INSERT_RE = re.compile(
    r"^INSERT\s+(?:INTO|OVERWRITE)\s+((?:`[^`]+`|[\w]+)(?:\s*\.\s*(?:`[^`]+`|[\w]+))*)"
    r"\s*(\(\s*[^()]*\))?\s*(.*)$", re.IGNORECASE | re.DOTALL)
QUERY_KEYWORDS = {"SELECT", "WITH", "VALUES", "TABLE"}


# ---------------------------------------------------------------------------
# Value conversion: the query is wrapped so Flink itself renders every field as a string
# (CAST ... AS STRING inside JSON_ARRAY ... NULL ON NULL); Python only retypes by column.

INT_ROOTS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT"}
FLOAT_ROOTS = {"FLOAT", "DOUBLE"}
TS_ROOTS = {"TIMESTAMP_WITHOUT_TIME_ZONE", "TIMESTAMP_WITH_LOCAL_TIME_ZONE",
            "TIMESTAMP_WITH_TIME_ZONE"}


def norm_timestamp(s: str) -> str:
    """Flink prints TIMESTAMP(p) with exactly p fraction digits; weir wants at least 3."""
    if "." in s:
        head, frac = s.split(".", 1)
    else:
        head, frac = s, ""
    if len(frac) < 3:
        frac = frac + "0" * (3 - len(frac))
    return f"{head}.{frac}"


def convert(value: str | None, root: str):
    if value is None:
        return None
    if root in INT_ROOTS:
        return int(value)
    if root in FLOAT_ROOTS:
        f = float(value)
        if f != f or f in (float("inf"), float("-inf")):
            return value  # NaN / Infinity have no JSON number form
        return f
    if root == "BOOLEAN":
        return value.upper() == "TRUE"
    if root in TS_ROOTS:
        return norm_timestamp(value)
    return value  # DECIMAL, CHAR/VARCHAR, DATE, TIME, ARRAY/MAP/ROW as Flink prints them


ROW_PREFIX = re.compile(r"\s*(?:,\s*)?([+-][IUD])\[")


def parse_collected(text: str) -> list[tuple[str, list]]:
    """Parse java List<Row>.toString() where each Row has one JSON-array string field."""
    dec = json.JSONDecoder()
    out = []
    if not (text.startswith("[") and text.endswith("]")):
        raise RuntimeError(f"unexpected collect result: {text[:200]}")
    i, end = 1, len(text) - 1
    while i < end:
        m = ROW_PREFIX.match(text, i)
        if not m:
            raise RuntimeError(f"cannot parse collected rows near: {text[i:i + 200]}")
        fields, j = dec.raw_decode(text, m.end())
        if text[j] != "]":
            raise RuntimeError(f"cannot parse collected rows near: {text[j:j + 200]}")
        out.append((m.group(1), fields))
        i = j + 1
    return out


# ---------------------------------------------------------------------------
# Process metrics (the mini-cluster lives in the gateway JVM)

def jvm_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    # fields 14 and 15 (utime, stime) are at index 11 and 12 after the ")"
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def java_error_summary(text: str) -> str:
    """Keep the exception lines and every 'Caused by:' of a py4j error, drop stack frames."""
    keep = [ln for ln in text.splitlines()
            if ln.strip() and not ln.startswith("\t") and not ln.lstrip().startswith("at ")
            and not ln.lstrip().startswith("... ")]
    msg = "\n".join(keep)
    return msg if len(msg) < 6000 else msg[:2000] + "\n...\n" + msg[-3000:]


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


class Runner:
    def __init__(self, args: argparse.Namespace):
        jvm_args = os.environ.get("WEIR_FLINK_JVM_ARGS")
        if jvm_args is None:
            jvm_args = DEFAULT_JVM_ARGS
            if args.sink == "collect":
                jvm_args += " " + QUICK_JIT_ARGS
        os.environ["JVM_ARGS"] = jvm_args  # read by PyFlink's gateway launcher
        from pyflink.java_gateway import get_gateway
        from pyflink.table import EnvironmentSettings, TableEnvironment

        t0 = time.monotonic()
        self.env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
        self.gateway = get_gateway()
        self.startup_s = time.monotonic() - t0
        self.pid = int(self.gateway.jvm.java.lang.management.ManagementFactory
                       .getRuntimeMXBean().getPid())
        cfg = self.env.get_config()
        cfg.set("execution.runtime-mode", "streaming")
        cfg.set("parallelism.default", str(args.parallelism))
        cfg.set("table.local-time-zone", args.timezone)
        # 0 = emit a watermark after every record (punctuated) instead of every 200 ms of
        # wall-clock time, which makes late-row drops independent of machine speed.
        cfg.set("pipeline.auto-watermark-interval", args.watermark_interval)
        self.args = args
        self.counter = 0

    def set_option(self, stmt: Statement) -> None:
        m = SET_RE.match(stmt.text)
        if not m:
            raise SystemExit(f"run-sql: line {stmt.line}: cannot parse SET; "
                             "write SET 'key' = 'value'")
        key = m.group(1) or m.group(2)
        val = m.group(3).replace("''", "'") if m.group(3) is not None else m.group(4)
        self.env.get_config().set(key, val)

    def query_parts(self, stmt: Statement) -> tuple[str, list[str] | None]:
        """SQL of the query to collect and, for INSERT, the sink column names."""
        if stmt.keyword != "INSERT":
            return stmt.text, None
        m = INSERT_RE.match(stmt.text)
        if not m:
            raise SystemExit(f"run-sql: line {stmt.line}: cannot parse INSERT statement")
        target, cols, query = m.group(1), m.group(2), m.group(3)
        if cols:
            names = [c.strip().strip("`") for c in cols.strip()[1:-1].split(",")]
        else:
            names = list(self.env.from_path(re.sub(r"\s+", "", target).replace("`", ""))
                         .get_schema().get_field_names())
        return query, names

    def run_query(self, stmt: Statement, name: str) -> dict:
        query, sink_names = self.query_parts(stmt)
        table = self.env.sql_query(query)
        j_cols = table._j_table.getResolvedSchema().getColumns()
        cols, types = [], []
        for c in j_cols:
            lt = c.getDataType().getLogicalType()
            cols.append((c.getName(), str(lt.getTypeRoot().toString())))
            types.append(f"{c.getName()} {lt.asSummaryString()}")
        out_names = [c[0] for c in cols]
        if sink_names is not None:
            if len(sink_names) != len(cols):
                raise SystemExit(f"run-sql: line {stmt.line}: INSERT has {len(cols)} columns "
                                 f"but the sink lists {len(sink_names)}")
            out_names = sink_names
        self.counter += 1
        view = f"__weir_q{self.counter}"
        self.env.create_temporary_view(view, table)
        stats = {"query": name, "line": stmt.line, "parallelism": self.args.parallelism,
                 "columns": types}
        cpu0, t0 = jvm_cpu_seconds(self.pid), time.monotonic()
        if self.args.sink == "blackhole":
            from pyflink.table import TableDescriptor
            self.env.from_path(view).execute_insert(
                TableDescriptor.for_connector("blackhole").build()).wait()
            rows = None
        else:
            casts = ", ".join(f"CAST({quote_ident(n)} AS STRING)" for n, _ in cols)
            result = self.env.execute_sql(f"SELECT JSON_ARRAY({casts} NULL ON NULL) FROM {view}")
            j_list = self.gateway.jvm.org.apache.flink.util.CollectionUtil.iteratorToList(
                result._j_table_result.collect())
            text = j_list.toString()
            rows = []
            for op, fields in parse_collected(text):
                row = {out_names[k]: convert(fields[k], cols[k][1]) for k in range(len(cols))}
                rows.append({"op": op, "row": row})
        stats["wall_s"] = round(time.monotonic() - t0, 3)
        stats["jvm_cpu_s"] = round(jvm_cpu_seconds(self.pid) - cpu0, 3)
        if rows is not None:
            stats["rows"] = len(rows)
        self.env.drop_temporary_view(view)
        return {"stats": stats, "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("script", help="file of ';'-separated Flink SQL statements")
    dest = ap.add_mutually_exclusive_group()
    dest.add_argument("--out", help="NDJSON output file (default stdout)")
    dest.add_argument("--out-dir", help="write one NAME.ndjson per query into this directory")
    ap.add_argument("--parallelism", type=int, default=1)
    ap.add_argument("--timezone", default="UTC", help="table.local-time-zone (default UTC)")
    ap.add_argument("--watermark-interval", default="0",
                    help="pipeline.auto-watermark-interval; 0 (default) = after every record, "
                         "Flink's own default is 200ms")
    ap.add_argument("--define", "-D", action="append", default=[], metavar="NAME=VALUE",
                    help="replace ${NAME} in the script; ${SCRIPT_DIR} is predefined")
    ap.add_argument("--query", action="append", default=[], metavar="NAME",
                    help="run only these queries (by name); DDL always runs")
    ap.add_argument("--sink", choices=["collect", "blackhole"], default="collect",
                    help="blackhole = run queries into a discarding sink, for timing only")
    ap.add_argument("--stats", help="write per-query timings as JSON to this file "
                                    "(always also printed to stderr)")
    args = ap.parse_args()

    script_path = os.path.abspath(args.script)
    defines = {"SCRIPT_DIR": os.path.dirname(script_path)}
    for d in args.define:
        if "=" not in d:
            raise SystemExit(f"run-sql: --define {d!r} must be NAME=VALUE")
        k, v = d.split("=", 1)
        defines[k] = v
    with open(script_path, encoding="utf-8") as f:
        statements = split_statements(substitute(f.read(), defines))

    wall0 = time.monotonic()
    runner = Runner(args)
    print(f"run-sql: JVM + TableEnvironment ready in {runner.startup_s:.2f}s "
          f"(gateway pid {runner.pid})", file=sys.stderr)

    queries = [s for s in statements if s.keyword in QUERY_KEYWORDS or s.keyword == "INSERT"]
    names: dict[int, str] = {}
    for idx, s in enumerate(queries, start=1):
        names[id(s)] = s.name or f"q{idx}"
    if len(set(names.values())) != len(names):
        raise SystemExit("run-sql: two queries share a `-- name:`; names must be unique")
    unknown = set(args.query) - set(names.values())
    if unknown:
        raise SystemExit(f"run-sql: --query {sorted(unknown)} not in script "
                         f"(queries: {sorted(names.values())})")

    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
    sink = None
    if args.sink == "collect" and not args.out_dir:
        sink = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    # tag lines with the query name when several queries share one output
    multi = sum(1 for n in names.values() if not args.query or n in args.query) > 1

    def write(name: str, rows: list[dict] | None) -> None:
        if rows is None:
            return
        if args.out_dir:
            with open(os.path.join(args.out_dir, f"{name}.ndjson"), "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(r) + "\n")
        else:
            for r in rows:
                sink.write(json.dumps({"query": name, **r} if multi else r) + "\n")
            sink.flush()

    results: list[dict] = []
    for s in statements:
        kw = s.keyword
        try:
            if kw == "SET":
                runner.set_option(s)
            elif id(s) in names:
                name = names[id(s)]
                if args.query and name not in args.query:
                    continue
                res = runner.run_query(s, name)
                print(f"run-sql: {json.dumps(res['stats'])}", file=sys.stderr)
                write(name, res["rows"])
                results.append(res["stats"])
            else:
                runner.env.execute_sql(s.text).wait()
        except Exception as e:  # py4j errors carry the Flink message; keep it short
            msg = java_error_summary(str(e))
            raise SystemExit(f"run-sql: statement at line {s.line} failed:\n{s.text}\n---\n{msg}")
    if sink is not None and sink is not sys.stdout:
        sink.close()

    summary = {"startup_s": round(runner.startup_s, 3),
               "total_s": round(time.monotonic() - wall0, 3),
               "jvm_cpu_s": round(jvm_cpu_seconds(runner.pid), 3),
               "queries": results}
    print(f"run-sql: summary {json.dumps(summary)}", file=sys.stderr)
    if args.stats:
        with open(args.stats, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    _ensure_pyflink()
    main()
