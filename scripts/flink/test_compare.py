#!/usr/bin/env python3
"""Self-test of compare.py and run-sql.py's pure helpers (no Flink needed):
    python3 scripts/flink/test_compare.py
"""
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # keep scripts/flink free of __pycache__

HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, file))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


run_sql = _load("run_sql", "run-sql.py")


def write(dir_, name, records):
    path = os.path.join(dir_, name)
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    return path


def compare(a, b, *extra):
    p = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), a, b, *extra],
                       capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def I(**row):
    return {"op": "+I", "row": row}


class CompareTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def test_changelog_is_applied(self):
        a = write(self.tmp, "a", [I(k="x", n=2)])
        b = write(self.tmp, "b", [I(k="x", n=1), {"op": "-U", "row": {"k": "x", "n": 1}},
                                   {"op": "+U", "row": {"k": "x", "n": 2}}])
        self.assertEqual(compare(a, b)[0], 0)

    def test_missing_and_extra_rows_fail(self):
        a = write(self.tmp, "a", [I(k="x", n=2), I(k="y", n=3)])
        b = write(self.tmp, "b", [I(k="x", n=2), I(k="z", n=3)])
        rc, out = compare(a, b)
        self.assertEqual(rc, 1)
        self.assertIn('- {"k": "y", "n": 3}', out)
        self.assertIn('+ {"k": "z", "n": 3}', out)

    def test_multiset_counts_duplicates(self):
        a = write(self.tmp, "a", [I(k="x"), I(k="x")])
        b = write(self.tmp, "b", [I(k="x")])
        self.assertEqual(compare(a, b)[0], 1)

    def test_timestamps_compare_as_instants(self):
        a = write(self.tmp, "a", [I(t="2024-01-15 10:00:00.000")])
        b = write(self.tmp, "b", [I(t="2024-01-15T11:00:00+01:00")])
        c = write(self.tmp, "c", [I(t="2024-01-15 10:00:00.001")])
        self.assertEqual(compare(a, b)[0], 0)
        self.assertEqual(compare(a, c)[0], 1)

    def test_float_tolerance_and_decimal_value(self):
        a = write(self.tmp, "a", [I(f=0.1 + 0.2, d="1.50")])
        b = write(self.tmp, "b", [I(f=0.3, d="1.5")])
        c = write(self.tmp, "c", [I(f=0.3001, d="1.5")])
        self.assertEqual(compare(a, b)[0], 0)
        self.assertEqual(compare(a, c)[0], 1)
        self.assertEqual(compare(a, c, "--rel-tol", "1e-3")[0], 0)

    def test_null_differs_from_zero(self):
        a = write(self.tmp, "a", [I(n=None)])
        b = write(self.tmp, "b", [I(n=0)])
        self.assertEqual(compare(a, b)[0], 1)

    def test_queries_compared_separately(self):
        a = write(self.tmp, "a", [{"query": "q1", **I(n=1)}, {"query": "q2", **I(n=2)}])
        b = write(self.tmp, "b", [{"query": "q1", **I(n=2)}, {"query": "q2", **I(n=1)}])
        rc, out = compare(a, b)
        self.assertEqual(rc, 1)
        self.assertIn("DIFF query 'q1'", out)

    def test_bad_input_exits_2(self):
        a = write(self.tmp, "a", [{"nope": 1}])
        self.assertEqual(compare(a, a)[0], 2)


class RunSqlHelpersTest(unittest.TestCase):
    def test_split_keeps_semicolons_in_strings_and_names(self):
        sql = ("SET 'a' = 'x;y';\n-- name: first\nSELECT ';' AS s /* ; */ FROM t;\n"
               "SELECT 'it''s' FROM t")
        st = run_sql.split_statements(sql)
        self.assertEqual([s.keyword for s in st], ["SET", "SELECT", "SELECT"])
        self.assertEqual(st[1].name, "first")
        self.assertEqual(st[1].line, 3)  # line of the SQL, after its comment
        self.assertIn("';'", st[1].text)
        self.assertEqual(st[2].text, "SELECT 'it''s' FROM t")

    def test_parse_collected_rows(self):
        text = '[+I[["1","a, b]",null]], -U[["2","x","y"]]]'
        self.assertEqual(run_sql.parse_collected(text),
                         [("+I", ["1", "a, b]", None]), ("-U", ["2", "x", "y"])])
        self.assertEqual(run_sql.parse_collected("[]"), [])

    def test_convert(self):
        self.assertEqual(run_sql.convert("2024-01-15 10:00:01", "TIMESTAMP_WITHOUT_TIME_ZONE"),
                         "2024-01-15 10:00:01.000")
        self.assertEqual(run_sql.convert("1.0E-5", "DOUBLE"), 1e-5)
        self.assertEqual(run_sql.convert("TRUE", "BOOLEAN"), True)
        self.assertEqual(run_sql.convert("1.50", "DECIMAL"), "1.50")
        self.assertEqual(run_sql.convert("-7", "INTEGER"), -7)
        self.assertIsNone(run_sql.convert(None, "INTEGER"))


if __name__ == "__main__":
    unittest.main()
