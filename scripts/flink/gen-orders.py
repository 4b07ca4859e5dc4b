#!/usr/bin/env python3
"""Write N synthetic orders as NDJSON (same schema as examples/orders.json) for timing runs.

    scripts/flink/gen-orders.py 1000000 > /tmp/orders-1m.json

Deterministic for a given N and --seed. Event time advances --rate rows per second of event
time, with up to 1.5 s of disorder; about 1 row in 1000 is 10 s late and 1 in 100 has a
NULL amount.
"""
import argparse
import json
import random
import sys
from datetime import datetime, timedelta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--rate", type=int, default=1000, help="rows per second of event time")
    ap.add_argument("--customers", type=int, default=1000)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    base = datetime(2024, 1, 15, 10, 0, 0)
    step_ms = 1000.0 / args.rate
    out = sys.stdout
    buf = []
    for i in range(1, args.rows + 1):
        ms = i * step_ms
        r = rnd.random()
        if r < 0.001:
            ms -= 10_000
        elif r < 0.3:
            ms -= rnd.uniform(0, 1500)
        ts = base + timedelta(milliseconds=int(ms))
        amount = None if rnd.random() < 0.01 else rnd.randint(1, 100)
        buf.append(json.dumps({
            "order_id": i,
            "customer": f"c{rnd.randrange(args.customers)}",
            "amount": amount,
            "price": round(rnd.uniform(1, 100), 2),
            "ts": ts.strftime("%Y-%m-%d %H:%M:%S.") + f"{ts.microsecond // 1000:03d}",
        }, separators=(",", ":")))
        if len(buf) >= 10_000:
            out.write("\n".join(buf) + "\n")
            buf.clear()
    if buf:
        out.write("\n".join(buf) + "\n")


if __name__ == "__main__":
    main()
