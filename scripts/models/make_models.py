"""Builds the small ONNX models and reference outputs that weir's ONNX tests use.

Run from the repository root:  python3 scripts/models/make_models.py
Needs: scikit-learn, skl2onnx, onnx, onnxruntime, numpy (pip install ...).

Everything is seeded, so a rerun gives the same data and models (the .onnx bytes can still
change with a different skl2onnx version; the tests only rely on inputs.json matching them).
The Node tests never run Python: they read the committed files under src/ml/testdata.
"""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "ml", "testdata")
FEATURES = [
    "amount",
    "txn_count_1m",
    "txn_count_1h",
    "distinct_countries_1h",
    "hour_of_day",
    "amount_avg_ratio",
]
OPSET = {"": 17, "ai.onnx.ml": 3}
TRAIN_ROWS = 4000
TEST_ROWS = 2000


def synth(rng, n):
    """Fraud-like rows: fraud is rare and shows up as bursts, many countries, odd hours, big ratios."""
    amount = np.round(rng.lognormal(3.5, 1.0, n), 2)
    c1m = rng.poisson(0.6, n).astype(np.float64)
    c1h = c1m + rng.poisson(4.0, n)
    countries = 1 + rng.poisson(0.3, n).astype(np.float64)
    hour = rng.integers(0, 24, n).astype(np.float64)
    ratio = np.round(rng.lognormal(0.0, 0.6, n), 2)
    night = ((hour < 6) | (hour > 22)).astype(np.float64)
    logit = (
        -6.0
        + 0.9 * c1m
        + 0.08 * c1h
        + 1.1 * (countries - 1)
        + 0.8 * night
        + 1.2 * np.log(ratio + 0.1)
        + 0.3 * np.log1p(amount)
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    # Values have at most two decimals, so JSON holds them short and exact enough that Node's
    # Float32Array rounds each to the same float32 that numpy's astype gives here.
    X = np.stack([amount, c1m, c1h, countries, hour, ratio], axis=1)
    return X, y


def save(model, name):
    path = os.path.join(OUT, name)
    onnx.save(model, path)
    print(f"{name}: {os.path.getsize(path)} bytes")
    return path


def run(path, X):
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: X})


def r(x):
    return float(round(float(x), 8))


def classifier_outputs(path, X, zipmap):
    label, proba = run(path, X)
    if zipmap:
        proba = [[m[0], m[1]] for m in proba]
    return {
        "label": [int(v) for v in label],
        "probabilities": [[r(p) for p in row] for row in proba],
    }


def multi_input_model():
    """Three inputs of three element types, a scalar-per-row output and an [N, 3] output.

    total = amount + txn_count_1h + ratio          (double, [N])
    stats = [amount, 2 * txn_count_1h, 3 * ratio]   (float, [N, 3])
    count = txn_count_1h                            (int64, [N, 1])
    """
    amount = helper.make_tensor_value_info("amount", TensorProto.FLOAT, ["N", 1])
    count = helper.make_tensor_value_info("txn_count_1h", TensorProto.INT64, ["N", 1])
    ratio = helper.make_tensor_value_info("ratio", TensorProto.DOUBLE, ["N"])
    total = helper.make_tensor_value_info("total", TensorProto.DOUBLE, ["N"])
    stats = helper.make_tensor_value_info("stats", TensorProto.FLOAT, ["N", 3])
    count_out = helper.make_tensor_value_info("count", TensorProto.INT64, ["N", 1])
    inits = [
        helper.make_tensor("two", TensorProto.FLOAT, [], [2.0]),
        helper.make_tensor("three", TensorProto.FLOAT, [], [3.0]),
        helper.make_tensor("col", TensorProto.INT64, [2], [-1, 1]),
        helper.make_tensor("flat", TensorProto.INT64, [1], [-1]),
    ]
    nodes = [
        helper.make_node("Cast", ["txn_count_1h"], ["count_f"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["ratio"], ["ratio_f"], to=TensorProto.FLOAT),
        helper.make_node("Reshape", ["ratio_f", "col"], ["ratio_col"]),
        helper.make_node("Mul", ["count_f", "two"], ["count2"]),
        helper.make_node("Mul", ["ratio_col", "three"], ["ratio3"]),
        helper.make_node("Concat", ["amount", "count2", "ratio3"], ["stats"], axis=1),
        helper.make_node("Cast", ["amount"], ["amount_d"], to=TensorProto.DOUBLE),
        helper.make_node("Cast", ["txn_count_1h"], ["count_d"], to=TensorProto.DOUBLE),
        helper.make_node("Add", ["amount_d", "count_d"], ["partial"]),
        helper.make_node("Reshape", ["partial", "flat"], ["partial_flat"]),
        helper.make_node("Add", ["partial_flat", "ratio"], ["total"]),
        helper.make_node("Identity", ["txn_count_1h"], ["count"]),
    ]
    graph = helper.make_graph(nodes, "multi_input", [amount, count, ratio], [total, stats, count_out], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="weir-testdata")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261121)
    X64, y = synth(rng, TRAIN_ROWS)
    Xt64, _ = synth(rng, TEST_ROWS)
    X, Xt = X64.astype(np.float32), Xt64.astype(np.float32)
    print(f"fraud rate in training data: {y.mean():.3f}")
    init = [("features", FloatTensorType([None, len(FEATURES)]))]

    logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    mlp = make_pipeline(
        StandardScaler(), MLPClassifier(hidden_layer_sizes=(16, 8), max_iter=1500, random_state=1)
    ).fit(X, y)
    forest = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=1).fit(X, y)
    reg = GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=1).fit(X[:, 1:], X[:, 0])

    models = {}
    p = save(to_onnx(logreg, initial_types=init, target_opset=OPSET), "logreg_zipmap.onnx")
    models["logreg_zipmap"] = classifier_outputs(p, Xt, zipmap=True)
    p = save(
        to_onnx(logreg, initial_types=init, target_opset=OPSET, options={"zipmap": False}),
        "logreg.onnx",
    )
    models["logreg"] = classifier_outputs(p, Xt, zipmap=False)
    p = save(
        to_onnx(mlp, initial_types=init, target_opset=OPSET, options={"zipmap": False}), "mlp.onnx"
    )
    models["mlp"] = classifier_outputs(p, Xt, zipmap=False)
    p = save(to_onnx(forest, initial_types=init, target_opset=OPSET), "forest_zipmap.onnx")
    models["forest_zipmap"] = classifier_outputs(p, Xt, zipmap=True)
    p = save(
        to_onnx(forest, initial_types=init, target_opset=OPSET, options={"zipmap": False}),
        "forest.onnx",
    )
    models["forest"] = classifier_outputs(p, Xt, zipmap=False)
    # String class labels, to check that ZipMap keys name the probability columns.
    named = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, np.where(y == 1, "fraud", "legit"))
    p = save(to_onnx(named, initial_types=init, target_opset=OPSET), "logreg_strings_zipmap.onnx")
    label, proba = run(p, Xt[:100])
    models["logreg_strings_zipmap"] = {
        "label": [str(v) for v in label],
        "probabilities": [[r(m["fraud"]), r(m["legit"])] for m in proba],
        "classes": ["fraud", "legit"],
    }
    reg_init = [("features", FloatTensorType([None, len(FEATURES) - 1]))]
    p = save(to_onnx(reg, initial_types=reg_init, target_opset=OPSET), "regressor.onnx")
    (values,) = run(p, Xt[:, 1:])
    models["regressor"] = {"features": FEATURES[1:], "values": [r(v) for v in values.reshape(-1)]}
    save(multi_input_model(), "multi_input.onnx")

    doc = {
        "about": "inputs and python-onnxruntime outputs for src/ml/testdata/*.onnx; made by scripts/models/make_models.py",
        "onnxruntime": ort.__version__,
        "features": FEATURES,
        "rows": [[float(v) for v in row] for row in Xt64],
        "models": models,
    }
    with open(os.path.join(OUT, "inputs.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"inputs.json: {os.path.getsize(os.path.join(OUT, 'inputs.json'))} bytes")


if __name__ == "__main__":
    main()
