"""An MLServer runtime that scores ONNX files with onnxruntime, for weir's remote-model integration tests.

MLServer implements the KServe v2 (Open Inference Protocol) REST API; this runtime only loads the
model named by `parameters.uri` in model-settings.json and runs it. The model metadata (inputs and
outputs, `GET /v2/models/{name}`) is filled in from the ONNX graph, so clients can discover the
input tensor's name and datatype as they would with a production server.
"""
import numpy as np
import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.errors import InferenceError
from mlserver.types import InferenceRequest, InferenceResponse, MetadataTensor
from mlserver.utils import get_model_uri

# onnxruntime element types -> KServe v2 datatypes
_DATATYPES = {
    "tensor(float)": "FP32",
    "tensor(double)": "FP64",
    "tensor(int64)": "INT64",
    "tensor(int32)": "INT32",
    "tensor(bool)": "BOOL",
    "tensor(string)": "BYTES",
}


def _shape(dims):
    # Symbolic dimensions (the batch) are -1 in the protocol's metadata.
    return [d if isinstance(d, int) else -1 for d in dims]


class OnnxRuntime(MLModel):
    async def load(self) -> bool:
        uri = await get_model_uri(self._settings)
        options = ort.SessionOptions()
        # One thread: the test machine is small and MLServer runs next to the tests.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(uri, options, providers=["CPUExecutionProvider"])
        self._settings.inputs = [
            MetadataTensor(name=i.name, datatype=_DATATYPES.get(i.type, "BYTES"), shape=_shape(i.shape))
            for i in self._session.get_inputs()
        ]
        self._settings.outputs = [
            MetadataTensor(name=o.name, datatype=_DATATYPES.get(o.type, "BYTES"), shape=_shape(o.shape))
            for o in self._session.get_outputs()
            if o.type.startswith("tensor(")
        ]
        self._input_types = {i.name: i.type for i in self._session.get_inputs()}
        self._outputs = [o.name for o in self._settings.outputs]
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        feeds = {}
        for request_input in payload.inputs:
            if request_input.name not in self._input_types:
                raise InferenceError(
                    f"model {self.name} has no input {request_input.name!r}; inputs: {sorted(self._input_types)}"
                )
            array = NumpyCodec.decode_input(request_input)
            if self._input_types[request_input.name] == "tensor(float)":
                array = array.astype(np.float32)
            feeds[request_input.name] = array
        results = self._session.run(self._outputs, feeds)
        return InferenceResponse(
            model_name=self.name,
            model_version=self.version,
            id=payload.id,
            outputs=[NumpyCodec.encode_output(name, np.asarray(value)) for name, value in zip(self._outputs, results)],
        )
