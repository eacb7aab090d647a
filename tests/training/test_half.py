"""Half-precision weights: folding BatchNorm and rounding keep the network's function; storing is lossless."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from training.half import MIN_ELEMENTS, fold_batch_norms, round_to_half, store_half


def _conv_bn_net() -> nn.Module:
    torch.manual_seed(3)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU6(), nn.Conv2d(8, 4, 1))
    bn = net[1]
    assert isinstance(bn, nn.BatchNorm2d)
    with torch.no_grad():  # statistics far from the identity, so that a wrong fold shows
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    return net.eval()


def test_folding_batch_norm_keeps_the_function_and_leaves_no_batch_norm() -> None:
    net, x = _conv_bn_net(), torch.rand(2, 3, 9, 9)
    with torch.no_grad():
        before = net(x)
        assert fold_batch_norms(net) == 1
        after = net(x)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    assert torch.allclose(before, after, atol=1e-5)


def test_rounding_makes_weights_exact_in_float16_and_leaves_small_tensors() -> None:
    net = _conv_bn_net()
    fold_batch_norms(net)
    small = net[3].bias.detach().clone()  # 4 values: below MIN_ELEMENTS
    round_to_half(net)
    weights = net[0].weight.detach()
    assert weights.numel() >= MIN_ELEMENTS
    assert torch.equal(weights.half().float(), weights)
    assert torch.equal(net[3].bias.detach(), small)


def _graph(path: Path, weight: np.ndarray, bias: np.ndarray) -> None:
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, weight.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, weight.shape[1]])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)], ir_version=10), str(path))


def _run(path: Path, x: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x})[0])


def test_storing_half_is_lossless_and_halves_the_weights(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    exact = rng.standard_normal((64, 32)).astype(np.float16).astype(np.float32)
    bias = rng.standard_normal(32).astype(np.float32)
    path, x = tmp_path / "m.onnx", rng.standard_normal((5, 64)).astype(np.float32)
    _graph(path, exact, bias)
    before, size = _run(path, x), path.stat().st_size
    assert store_half(path) == 1
    stored = {i.name: i.data_type for i in onnx.load(str(path)).graph.initializer}
    assert stored == {"w__float16": TensorProto.FLOAT16, "b": TensorProto.FLOAT}
    assert np.array_equal(_run(path, x), before)
    assert path.stat().st_size < 0.6 * size


def test_weights_not_exact_in_float16_are_kept(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    path = tmp_path / "m.onnx"
    _graph(path, rng.standard_normal((64, 32)).astype(np.float32), rng.standard_normal(32).astype(np.float32))
    assert store_half(path) == 0
    assert all(i.data_type == TensorProto.FLOAT for i in onnx.load(str(path)).graph.initializer)
