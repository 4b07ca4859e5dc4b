"""The peer of bench/ml-predict.ts: the same ONNX model and rows timed with onnxruntime in Python.

    python3 bench/ml_predict_peer.py MODEL.onnx ROWS.json BATCHES MS

ROWS.json is a list of feature rows. For each batch size, two cases, each as rows/s per core (rows /
process CPU seconds) and p50/p99 of one call in ms:
- run: `sess.run` alone on a ready float32 array (the model's own cost);
- end_to_end: what weir's operator does around it: the batch arrives as rows (Python lists, as
  weir's rows are JS arrays), becomes a float32 array, `sess.run`, then every row is copied with its
  score (positive-class probability), label and scored_by appended.
One intra/inter-op thread, no spinning, as weir's onnxruntime-node sessions. Prints one JSON
object per batch size.
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def timed(fn, n, budget_ms):
    for _ in range(20):
        fn()
    lat = []
    cpu0 = time.process_time()
    start = time.perf_counter()
    while (time.perf_counter() - start) * 1000 < budget_ms or len(lat) < 50:
        t = time.perf_counter()
        fn()
        lat.append((time.perf_counter() - t) * 1000)
    cpu = time.process_time() - cpu0
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))]
    return {"rows_per_core_s": len(lat) * n / cpu, "p50_ms": pct(50), "p99_ms": pct(99)}


def main():
    model, rows_path, batches, budget_ms = sys.argv[1], sys.argv[2], [int(b) for b in sys.argv[3].split(",")], float(sys.argv[4])
    rows = json.load(open(rows_path))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    by = "model:" + model.rsplit("/", 1)[-1]
    for n in batches:
        batch = [list(rows[i % len(rows)]) for i in range(n)]
        x = np.array(batch, dtype=np.float32)

        def end_to_end():
            label, prob = sess.run(["label", "probabilities"], {name: np.array(batch, dtype=np.float32)})
            return [r + [s, l, by] for r, s, l in zip(batch, prob[:, -1].tolist(), label.tolist())]

        run = timed(lambda: sess.run(None, {name: x}), n, budget_ms)
        e2e = timed(end_to_end, n, budget_ms)
        print(json.dumps({"batch": n, "run": run, "end_to_end": e2e}), flush=True)


if __name__ == "__main__":
    main()
