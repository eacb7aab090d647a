"""Weights kept at half precision: a graph half the size (artifact, download, load) with the same answers.

Once trained, each BatchNorm is folded into the convolution before it (what the ONNX exporter would do anyway,
after our rounding) and the weights are rounded to float16 values, before anything is measured, so that every
figure in the card is of the weights that ship. The exported graph then stores each weight tensor whose values
are all exact in float16 as float16, behind a Cast back to float32: lossless by construction, and onnxruntime
folds the casts when it loads the graph, so inference still runs in float32 at the same speed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

# Smaller tensors (thresholds, scalars) stay float32: they weigh nothing and some are set after rounding.
MIN_ELEMENTS = 16


def fold_batch_norms(model: nn.Module) -> int:
    """Folds, in place, every BatchNorm2d into the Conv2d registered just before it in the same parent (the
    order of EfficientNet's blocks, stem and head); returns how many. For inference only."""
    model.eval()
    folded = 0
    for parent in list(model.modules()):
        previous: tuple[str, nn.Module] | None = None
        for name, child in list(parent.named_children()):
            if isinstance(child, nn.BatchNorm2d) and previous is not None and isinstance(previous[1], nn.Conv2d):
                setattr(parent, previous[0], fuse_conv_bn_eval(previous[1], child))
                setattr(parent, name, nn.Identity())
                folded += 1
            previous = (name, child)
    return folded


def round_to_half(model: nn.Module) -> None:
    """Rounds, in place, every floating-point parameter and buffer of at least MIN_ELEMENTS values to float16."""
    with torch.no_grad():
        for tensor in [*model.parameters(), *model.buffers()]:
            if tensor.is_floating_point() and tensor.numel() >= MIN_ELEMENTS:
                tensor.copy_(tensor.half().float())


def store_half(path: Path) -> int:
    """Rewrites the ONNX graph at `path` with its float16-exact weights stored as float16; returns how many."""
    model = onnx.load(str(path))
    graph = model.graph
    casts = []
    for initializer in list(graph.initializer):
        if initializer.data_type != TensorProto.FLOAT or int(np.prod(initializer.dims)) < MIN_ELEMENTS:
            continue
        values = numpy_helper.to_array(initializer)
        half = values.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), values):
            continue  # not exact in float16 (e.g. folded by the exporter): kept as it is
        stored = numpy_helper.from_array(half, f"{initializer.name}__float16")
        graph.initializer.remove(initializer)
        graph.initializer.append(stored)
        casts.append(helper.make_node("Cast", [stored.name], [initializer.name], to=TensorProto.FLOAT))
    for position, cast in enumerate(casts):
        graph.node.insert(position, cast)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return len(casts)
