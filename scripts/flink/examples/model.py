#!/usr/bin/env python3
"""Brute-force model of the Flink rules in docs/flink-reference.md, checked against Flink.

    python3 scripts/flink/examples/model.py     # exits 1 if a rule disagrees with expected/

Replays orders.json in arrival order with a per-record watermark (max ts - 2 s), applies the
lateness rule of each operator as written in the doc, and compares with what Flink 2.3.0
wrote to expected/. Standard library only.
"""
import collections
import datetime as dt
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MS = dt.timedelta(milliseconds=1)
EPOCH = dt.datetime(1970, 1, 1)
GAP = dt.timedelta(seconds=3)


def parse(s):
    return dt.datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f")


def fmt(d):
    return d.strftime("%Y-%m-%d %H:%M:%S.") + f"{d.microsecond // 1000:03d}"


def floor(t, size_ms):
    ms = (t - EPOCH) // MS
    return EPOCH + MS * (ms - ms % size_ms)


def load_rows():
    rows, max_ts = [], None
    with open(os.path.join(HERE, "orders.json")) as f:
        for line in f:
            r = json.loads(line)
            r["t"] = parse(r["ts"])
            # watermark seen by this row: from the rows before it
            r["wm"] = None if max_ts is None else max_ts - dt.timedelta(seconds=2)
            max_ts = r["t"] if max_ts is None or r["t"] > max_ts else max_ts
            rows.append(r)
    return rows


def fired(r, window_end):
    """A window has fired once the watermark reaches window_end - 1 ms."""
    return r["wm"] is not None and window_end - MS <= r["wm"]


def expected(name):
    with open(os.path.join(HERE, "expected", f"{name}.ndjson")) as f:
        return [json.loads(line)["row"] for line in f]


def int_avg(values):
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    q = abs(sum(vals)) // len(vals)  # truncation toward zero, like Java int division
    return q if sum(vals) >= 0 else -q


def windows_agg(rows, assign):
    groups = collections.defaultdict(list)
    for r in rows:
        for key, end in assign(r):
            if not fired(r, end):
                groups[key].append(r)
    return groups


def check(name, got, want):
    ok = got == want
    print(f"{'OK  ' if ok else 'FAIL'} {name}")
    if not ok:
        print("   only in model:", sorted(set(want) - set(got))[:5])
        print("   only in Flink:", sorted(set(got) - set(want))[:5])
    return ok


def main():
    rows = load_rows()
    ok = True

    def tumble(r):
        s = floor(r["t"], 10_000)
        e = s + dt.timedelta(seconds=10)
        yield (fmt(s), fmt(e)), e
    g = windows_agg(rows, tumble)
    want = {k: (len(v), sum(x["amount"] or 0 for x in v),
                int_avg([x["amount"] for x in v])) for k, v in g.items()}
    got = {(x["window_start"], x["window_end"]): (x["cnt"], x["sum_amount"], x["avg_amount"])
           for x in expected("tumble")}
    ok &= check("tumble (cnt, sum, integer avg)", got, want)

    def hop(r):
        s0 = floor(r["t"], 5_000)
        for s in (s0 - dt.timedelta(seconds=5), s0):
            e = s + dt.timedelta(seconds=10)
            yield (fmt(s), fmt(e), r["customer"]), e
    g = windows_agg(rows, hop)
    want = {k: (len(v), sum(x["amount"] or 0 for x in v)) for k, v in g.items()}
    got = {(x["window_start"], x["window_end"], x["customer"]): (x["cnt"], x["sum_amount"])
           for x in expected("hop")}
    ok &= check("hop", got, want)

    def cumulate(r):
        s = floor(r["t"], 20_000)
        for k in range(1, 5):
            e = s + dt.timedelta(seconds=5 * k)
            if r["t"] < e:
                yield (fmt(s), fmt(e)), e
    g = windows_agg(rows, cumulate)
    want = {k: (len(v), sum(x["amount"] or 0 for x in v)) for k, v in g.items()}
    got = {(x["window_start"], x["window_end"]): (x["cnt"], x["sum_amount"])
           for x in expected("cumulate")}
    ok &= check("cumulate", got, want)

    # session: fire open sessions the watermark has passed, then drop the row iff its own
    # session [ts, ts+gap) has already fired, else merge it with every open session it
    # intersects (touching counts: end == start merges); fired sessions never reopen
    open_ = collections.defaultdict(list)  # customer -> [[start, end, rows]]
    want = {}

    def emit(cust, s):
        want[(fmt(s[0]), fmt(s[1]), fmt(s[1] - MS), cust)] = (
            len(s[2]), sum(x["amount"] or 0 for x in s[2]))

    for r in rows:
        for cust, sessions in open_.items():
            for s in [s for s in sessions if fired(r, s[1])]:
                emit(cust, s)
                sessions.remove(s)
        start, end = r["t"], r["t"] + GAP
        if fired(r, end):
            continue
        sessions = open_[r["customer"]]
        merged = [start, end, [r]]
        for s in [s for s in sessions if s[0] <= merged[1] and merged[0] <= s[1]]:
            merged = [min(s[0], merged[0]), max(s[1], merged[1]), s[2] + merged[2]]
            sessions.remove(s)
        sessions.append(merged)
    for cust, sessions in open_.items():
        for s in sessions:
            emit(cust, s)
    got = {(x["window_start"], x["window_end"], x["window_time"], x["customer"]):
           (x["cnt"], x["sum_amount"]) for x in expected("session")}
    ok &= check("session", got, want)

    # OVER ROWS UNBOUNDED PRECEDING: drop iff ts <= watermark
    kept = [r for r in rows if r["wm"] is None or r["t"] > r["wm"]]
    want = {}
    for r in kept:
        prev = [x for x in kept if x["customer"] == r["customer"] and x["t"] <= r["t"]]
        amounts = [x["amount"] for x in prev]
        want[r["order_id"]] = (sum(a or 0 for a in amounts), len(prev), int_avg(amounts))
    got = {x["order_id"]: (x["running_sum"], x["running_cnt"], x["running_avg"])
           for x in expected("over")}
    ok &= check("over rows unbounded (drop ts <= wm)", got, want)

    # OVER RANGE 5 s: drop iff ts <= last ts already emitted for the key; rows are emitted
    # when the watermark reaches them
    emitted_upto = {}
    kept = []
    pending = []
    for r in rows:
        # emit everything the watermark before this row has passed
        wm = r["wm"]
        if wm is not None:
            for p in [p for p in pending if p["t"] <= wm]:
                emitted_upto[p["customer"]] = max(emitted_upto.get(p["customer"], p["t"]), p["t"])
                pending.remove(p)
        last = emitted_upto.get(r["customer"])
        if last is None or r["t"] > last:
            kept.append(r)
            pending.append(r)
    want = {}
    for r in kept:
        win = [x for x in kept if x["customer"] == r["customer"]
               and r["t"] - dt.timedelta(seconds=5) <= x["t"] <= r["t"]]
        want[r["order_id"]] = (len(win), sum(x["amount"] or 0 for x in win))
    got = {x["order_id"]: (x["cnt_5s"], x["sum_5s"]) for x in expected("over_range")}
    ok &= check("over range 5 s (drop ts <= last emitted ts of the key)", got, want)

    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
