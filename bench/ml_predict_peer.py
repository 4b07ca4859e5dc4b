"""The peer of bench/ml-predict.ts: the same ONNX model and rows timed with onnxruntime in Python.

    python3 bench/ml_predict_peer.py MODEL.onnx ROWS.json BATCHES MS

ROWS.json is a list of feature rows. Prints one JSON object per batch size: rows/s per core (rows /
process CPU seconds), p50 and p99 of one `sess.run` in ms. One intra/inter-op thread, no spinning,
as weir's onnxruntime-node sessions.
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    model, rows_path, batches, budget_ms = sys.argv[1], sys.argv[2], [int(b) for b in sys.argv[3].split(",")], float(sys.argv[4])
    rows = np.array(json.load(open(rows_path)), dtype=np.float32)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    for n in batches:
        x = rows[np.arange(n) % len(rows)]
        for _ in range(20):
            sess.run(None, {name: x})
        lat = []
        cpu0 = time.process_time()
        start = time.perf_counter()
        while (time.perf_counter() - start) * 1000 < budget_ms or len(lat) < 50:
            t = time.perf_counter()
            sess.run(None, {name: x})
            lat.append((time.perf_counter() - t) * 1000)
        cpu = time.process_time() - cpu0
        lat.sort()
        pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))]
        print(json.dumps({"batch": n, "rows_per_core_s": len(lat) * n / cpu, "p50_ms": pct(50), "p99_ms": pct(99)}), flush=True)


if __name__ == "__main__":
    main()
