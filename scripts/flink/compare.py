#!/usr/bin/env python3
"""Compare two NDJSON changelog files (as written by run-sql.py) as multisets of final rows.

    scripts/flink/compare.py EXPECTED.ndjson ACTUAL.ndjson [--rel-tol 1e-9] [--abs-tol 0]
                             [--ignore-columns a,b] [--max-diff 50]
    scripts/flink/compare.py EXPECTED_DIR ACTUAL_DIR     # every *.ndjson pair by file name

Each line is {"op": "+I"|"-U"|"+U"|"-D", "row": {...}} (optionally with "query": NAME; then
each query is compared on its own). The changelog is applied: +I/+U add a row, -U/-D remove
one. The remaining rows are compared as multisets:
  * timestamps ("yyyy-MM-dd HH:mm:ss[.fff...]", "T" separator and a "Z"/offset accepted) are
    compared as instants (a string without offset is taken as UTC),
  * floats with a relative tolerance (default 1e-9) plus an absolute one (default 0),
  * decimals (strings or numbers) by numeric value, so "1.50" == "1.5" == 1.5,
  * everything else exactly. Column order does not matter; column names do.
Exits 0 when equal, 1 on a difference (printing missing and extra rows), 2 on bad input.
Only the Python standard library is used, so any python3 runs it.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

TS_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$")
NUM_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
ADD_OPS = {"+I", "+U"}
RETRACT_OPS = {"-U", "-D"}


class BadInput(Exception):
    pass


def ts_to_nanos(m: re.Match) -> int:
    date, clock, frac, tz = m.groups()
    base = datetime.fromisoformat(f"{date}T{clock}")
    if tz and tz != "Z":
        tz = tz if ":" in tz else tz[:3] + ":" + tz[3:]
        base = datetime.fromisoformat(f"{date}T{clock}{tz}")
    else:
        base = base.replace(tzinfo=timezone.utc)
    nanos = int((frac or "").ljust(9, "0"))
    return (int(base.timestamp()) * 1_000_000_000) + nanos


def canon(value):
    """A hashable key for exact values; floats are bucketed later by the matcher."""
    if isinstance(value, bool) or value is None:
        return ("v", value)
    if isinstance(value, int):
        return ("n", Decimal(value))
    if isinstance(value, float):
        return ("f", value)
    if isinstance(value, str):
        m = TS_RE.match(value)
        if m:
            return ("t", ts_to_nanos(m))
        if NUM_RE.match(value):
            try:
                return ("n", Decimal(value).normalize())
            except InvalidOperation:
                pass
        return ("s", value)
    if isinstance(value, (list, dict)):
        return ("j", json.dumps(value, sort_keys=True))
    return ("s", str(value))


def row_key(row: dict) -> tuple:
    return tuple(sorted((k, canon(v)) for k, v in row.items()))


def load(path: str, ignore: set[str]) -> dict[str, Counter]:
    """Apply the changelog; return {query: Counter(row_key -> count)}."""
    tables: dict[str, Counter] = {}
    originals: dict[tuple, dict] = {}
    with open(path, encoding="utf-8") as f:
        for no, line in enumerate(f, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise BadInput(f"{path}:{no}: not JSON ({e})")
            if not isinstance(rec, dict) or "op" not in rec or not isinstance(rec.get("row"), dict):
                raise BadInput(f'{path}:{no}: expected {{"op": ..., "row": {{...}}}}')
            row = {k: v for k, v in rec["row"].items() if k not in ignore}
            key = row_key(row)
            originals.setdefault(key, row)
            counts = tables.setdefault(str(rec.get("query", "")), Counter())
            if rec["op"] in ADD_OPS:
                counts[key] += 1
            elif rec["op"] in RETRACT_OPS:
                counts[key] -= 1
            else:
                raise BadInput(f"{path}:{no}: unknown op {rec['op']!r} (want +I, -U, +U, -D)")
    load.originals.update(originals)  # type: ignore[attr-defined]
    return tables


load.originals = {}  # type: ignore[attr-defined]


def close(a: float, b: float, rel: float, abs_tol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


def values_match(a, b, rel: float, abs_tol: float) -> bool:
    if a == b:
        return True
    (ta, va), (tb, vb) = a, b
    numeric = {"f", "n"}
    if ta in numeric and tb in numeric and ("f" in (ta, tb)):
        return close(float(va), float(vb), rel, abs_tol)
    return False


def keys_match(ka: tuple, kb: tuple, rel: float, abs_tol: float) -> bool:
    if len(ka) != len(kb):
        return False
    for (na, va), (nb, vb) in zip(ka, kb):
        if na != nb or not values_match(va, vb, rel, abs_tol):
            return False
    return True


def diff(expected: Counter, actual: Counter, rel: float, abs_tol: float):
    """Return (missing, extra, negatives): rows only in expected, only in actual."""
    exp = Counter({k: c for k, c in expected.items() if c != 0})
    act = Counter({k: c for k, c in actual.items() if c != 0})
    negatives = [(k, c, "expected") for k, c in exp.items() if c < 0] + \
                [(k, c, "actual") for k, c in act.items() if c < 0]
    exp = Counter({k: c for k, c in exp.items() if c > 0})
    act = Counter({k: c for k, c in act.items() if c > 0})
    common = exp & act  # exact matches first
    exp -= common
    act -= common
    # tolerant matching for whatever is left (floats); quadratic but only over leftovers
    for ke in list(exp):
        for ka in list(act):
            if exp[ke] == 0:
                break
            if act[ka] and keys_match(ke, ka, rel, abs_tol):
                n = min(exp[ke], act[ka])
                exp[ke] -= n
                act[ka] -= n
    return +exp, +act, negatives


def show(key: tuple) -> str:
    row = load.originals.get(key)  # type: ignore[attr-defined]
    return json.dumps(row) if row is not None else repr(key)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--rel-tol", type=float, default=1e-9)
    ap.add_argument("--abs-tol", type=float, default=0.0)
    ap.add_argument("--ignore-columns", default="", help="comma-separated columns to drop")
    ap.add_argument("--max-diff", type=int, default=50, help="rows to print per side")
    args = ap.parse_args()
    ignore = {c for c in args.ignore_columns.split(",") if c}
    try:
        if os.path.isdir(args.expected) != os.path.isdir(args.actual):
            raise BadInput("give two files or two directories")
        if os.path.isdir(args.expected):
            exp_tables, act_tables = {}, {}
            names = {f for d in (args.expected, args.actual) for f in os.listdir(d)
                     if f.endswith(".ndjson")}
            for f in sorted(names):
                for d, tables in ((args.expected, exp_tables), (args.actual, act_tables)):
                    path = os.path.join(d, f)
                    if not os.path.exists(path):
                        tables[f] = None  # whole file missing on this side
                        continue
                    for q, counts in load(path, ignore).items():
                        tables[f if not q else f"{f}:{q}"] = counts
        else:
            exp_tables = load(args.expected, ignore)
            act_tables = load(args.actual, ignore)
    except (OSError, BadInput) as e:
        print(f"compare: {e}", file=sys.stderr)
        return 2
    failed = False
    for side, tables, other in (("expected", exp_tables, args.expected),
                                ("actual", act_tables, args.actual)):
        for q in [q for q, t in tables.items() if t is None]:
            print(f"DIFF {q}: no such file in {side} directory {other}")
            failed = True
            del tables[q]
    for q in sorted(set(exp_tables) | set(act_tables)):
        label = f"query {q!r}" if q else "result"
        missing, extra, negatives = diff(exp_tables.get(q, Counter()), act_tables.get(q, Counter()),
                                         args.rel_tol, args.abs_tol)
        n_exp = sum(c for c in exp_tables.get(q, Counter()).values() if c > 0)
        n_act = sum(c for c in act_tables.get(q, Counter()).values() if c > 0)
        if not missing and not extra and not negatives:
            print(f"OK   {label}: {n_exp} rows match")
            continue
        failed = True
        print(f"DIFF {label}: expected {n_exp} rows, actual {n_act}; "
              f"{sum(missing.values())} missing, {sum(extra.values())} extra")
        for k, c, side in negatives:
            print(f"  ! {side} retracts a row it never had ({c}x): {show(k)}")
        for title, rows, sign in (("missing (in expected only)", missing, "-"),
                                  ("extra (in actual only)", extra, "+")):
            if not rows:
                continue
            print(f"  {title}:")
            for i, (k, c) in enumerate(sorted(rows.items(), key=lambda kv: show(kv[0]))):
                if i >= args.max_diff:
                    print(f"    ... {len(rows) - i} more")
                    break
                print(f"    {sign} {show(k)}" + (f"  (x{c})" if c > 1 else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
