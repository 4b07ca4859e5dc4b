"""Trains the fraud model that `weir demo fraud` scores inside its SQL pipeline.

Run from the repository root after `npm run build`:

    pip install scikit-learn skl2onnx onnxruntime
    python3 examples/fraud/train.py

1. Exports training data with Node: the fraud generator's transactions (seeds 1..N, the demo runs
   seed 42) pushed through the feature views of src/demo/fraud/pipeline.sql, so the model learns
   from exactly the features the pipeline computes when scoring, plus the injected truth.
2. Trains a gradient-boosted tree classifier and checks it on a held-out seed at the demo's
   threshold (score > 0.8).
3. Writes src/demo/fraud/model/fraud.onnx (skl2onnx, no ZipMap, so weir reads the probability
   of class 1 into the `score DOUBLE` output column).
"""
import argparse
import csv
import json
import os
import subprocess
import sys

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FEATURES = ["amount", "txn_count_1m", "amount_sum_1h", "distinct_countries_1h", "amount_avg_ratio"]
THRESHOLD = 0.8


def export(path, seeds, events):
    """Runs the pipeline's feature views in Node and writes seed,txn,<features>,is_fraud,pattern rows."""
    runner = os.path.join(ROOT, "dist", "src", "demo", "fraud", "runner.js")
    if not os.path.exists(runner):
        sys.exit("dist/ is missing: run `npm run build` first")
    script = (
        "const { exportFeatures } = await import(process.argv[1]);"
        "const n = await exportFeatures(process.argv[2], JSON.parse(process.argv[3]));"
        "console.error(`exported ${n} rows`);"
    )
    subprocess.run(
        ["node", "--input-type=module", "-e", script, "file://" + runner, path, json.dumps({"events": events, "seeds": seeds})],
        check=True,
    )


def load(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[c]) for c in FEATURES] for r in rows], dtype=np.float32)
    y = np.array([int(r["is_fraud"]) for r in rows])
    seed = np.array([int(r["seed"]) for r in rows])
    return x, y, seed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=8, help="generator runs for training (seeds 1..N); seed N+1 is held out")
    ap.add_argument("--events", type=int, default=20000, help="transactions per run (the demo default)")
    ap.add_argument("--data", default=os.path.join(ROOT, "tmp", "fraud-features.csv"))
    ap.add_argument("--out", default=os.path.join(ROOT, "src", "demo", "fraud", "model", "fraud.onnx"))
    args = ap.parse_args()
    os.makedirs(os.path.dirname(args.data), exist_ok=True)
    export(args.data, list(range(1, args.seeds + 2)), args.events)
    x, y, seed = load(args.data)
    held = seed == args.seeds + 1
    clf = GradientBoostingClassifier(n_estimators=120, max_depth=3, learning_rate=0.1, subsample=0.8, random_state=0)
    clf.fit(x[~held], y[~held])
    p = clf.predict_proba(x[held])[:, 1]
    alert = p > THRESHOLD
    tp = int((alert & (y[held] == 1)).sum())
    precision = tp / max(1, int(alert.sum()))
    recall = tp / max(1, int(y[held].sum()))
    print(f"train rows {int((~held).sum())} (fraud {int(y[~held].sum())}), held-out rows {int(held.sum())} (fraud {int(y[held].sum())})")
    print(f"held-out at score > {THRESHOLD}: precision {precision:.3f} recall {recall:.3f}")
    print("feature importances:", {f: round(float(v), 3) for f, v in zip(FEATURES, clf.feature_importances_)})
    onx = to_onnx(
        clf,
        initial_types=[("features", FloatTensorType([None, len(FEATURES)]))],
        target_opset={"": 17, "ai.onnx.ml": 3},
        options={id(clf): {"zipmap": False}},
    )
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(onx.SerializeToString())
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
