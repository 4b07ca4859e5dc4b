"""Builds throwing.onnx, a model that fails at run time on any batch of more than one row.

Run from the repository root:  python3 src/sql/ml/testdata/make_throwing_model.py  (needs onnx).
Its input is declared [N, 6], so weir's mapping check accepts it, but it reshapes the batch to
[1, 6], which onnxruntime rejects when N > 1: the ML_PREDICT tests use it as "a model that throws".
"""
import os

import onnx
from onnx import TensorProto, helper

x = helper.make_tensor_value_info("X", TensorProto.FLOAT, ["N", 6])
score = helper.make_tensor_value_info("score", TensorProto.FLOAT, ["M"])
shape = helper.make_tensor("shape", TensorProto.INT64, [2], [1, 6])
axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
graph = helper.make_graph(
    [
        helper.make_node("Reshape", ["X", "shape"], ["one"]),
        helper.make_node("ReduceSum", ["one", "axes"], ["score"], keepdims=0),
    ],
    "throwing",
    [x],
    [score],
    initializer=[shape, axes],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="weir-tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, os.path.join(os.path.dirname(__file__), "throwing.onnx"))
