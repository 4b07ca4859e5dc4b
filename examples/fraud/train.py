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

Or trains on point-in-time training data from the feature store instead of step 1:

    weir features export --labels labels.csv --out train.csv --namespace card
    python3 examples/fraud/train.py --from-export train.csv --out fraud.onnx \
        --predictions scores.json
    weir model register fraud fraud.onnx && weir model promote fraud 1

`--from-export` reads the export's `label` column and the feature columns (`--features`, default
the demo's five), drops labels that had no features at their time, and holds out every fifth row.
`--predictions` writes what onnxruntime in Python gives for every row of the export with features
(JSON: features, keys, rows, scores), to compare with what weir scores.
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


def load_export(path, features):
    """The rows of a `weir features export` CSV that have features: keys, x, y."""
    with open(path) as f:
        rows = [r for r in csv.DictReader(f) if r["feature_time"] != ""]
    if not rows:
        sys.exit(f"{path} has no rows with features: check --namespace of the export")
    missing = [c for c in features if c not in rows[0]]
    if missing:
        sys.exit(f"{path} lacks the feature columns {missing}; it has {list(rows[0].keys())}")
    keys = [r["key"] for r in rows]
    x = np.array([[float(r[c]) for c in features] for r in rows], dtype=np.float32)
    y = np.array([int(float(r["label"])) for r in rows])
    return keys, x, y


def write_predictions(onnx_path, path, features, keys, x):
    """Scores x with onnxruntime in Python: the reference for weir's scores of the same model."""
    import onnxruntime as ort

    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    outputs = sess.run(None, {sess.get_inputs()[0].name: x})
    names = [o.name for o in sess.get_outputs()]
    proba = outputs[names.index("probabilities")] if "probabilities" in names else outputs[-1]
    with open(path, "w") as f:
        json.dump({"features": features, "keys": keys, "rows": x.tolist(), "scores": [float(p) for p in proba[:, 1]]}, f)
    print(f"wrote {path} ({len(keys)} rows scored by onnxruntime {ort.__version__})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=8, help="generator runs for training (seeds 1..N); seed N+1 is held out")
    ap.add_argument("--events", type=int, default=20000, help="transactions per run (the demo default)")
    ap.add_argument("--data", default=os.path.join(ROOT, "tmp", "fraud-features.csv"))
    ap.add_argument("--out", default=os.path.join(ROOT, "src", "demo", "fraud", "model", "fraud.onnx"))
    ap.add_argument("--from-export", help="train on this `weir features export` CSV instead of the demo's generator")
    ap.add_argument("--features", default=",".join(FEATURES), help="feature columns, in the model's input order")
    ap.add_argument("--predictions", help="also write onnxruntime's scores of the export's rows to this JSON file")
    args = ap.parse_args()
    features = args.features.split(",")
    if args.from_export:
        keys, x, y = load_export(args.from_export, features)
        held = np.arange(len(y)) % 5 == 4
    else:
        if features != FEATURES or args.predictions:
            sys.exit("--features and --predictions go with --from-export (the demo's pipeline computes its own five features)")
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
    print("feature importances:", {f: round(float(v), 3) for f, v in zip(features, clf.feature_importances_)})
    onx = to_onnx(
        clf,
        initial_types=[("features", FloatTensorType([None, len(features)]))],
        target_opset={"": 17, "ai.onnx.ml": 3},
        options={id(clf): {"zipmap": False}},
    )
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(onx.SerializeToString())
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")
    if args.predictions:
        write_predictions(args.out, args.predictions, features, keys, x)


if __name__ == "__main__":
    main()
