"""The PyTorch network: a small ResNet for 32x32 inputs, and the wrapper that is exported to ONNX."""

import torch
from torch import nn


def conv_bn(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class Residual(nn.Module):
    """Two 3x3 conv-BN-ReLU layers with an identity shortcut."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(conv_bn(channels, channels), conv_bn(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SmallResNet(nn.Module):
    """ResNet-9 layout (prep, three stages with pooling, residuals on stages 1 and 3) at a width that trains
    in minutes on two CPU cores. Max-pooling instead of strided convs keeps it cheap and exports cleanly."""

    def __init__(self, num_classes: int = 2, width: int = 32) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            conv_bn(3, w),
            conv_bn(w, 2 * w),
            nn.MaxPool2d(2),  # 16x16
            Residual(2 * w),
            conv_bn(2 * w, 4 * w),
            nn.MaxPool2d(2),  # 8x8
            conv_bn(4 * w, 8 * w),
            nn.MaxPool2d(2),  # 4x4
            Residual(8 * w),
            nn.AdaptiveMaxPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(8 * w, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class ExportedModel(nn.Module):
    """What ships: the mean logits of an ensemble of members, optionally each also seeing the mirror image
    (test-time flip averaging). Baked into the graph, so every runtime gets it for free."""

    def __init__(self, members: list[nn.Module], flip: bool = False) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.flip = flip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        inputs = torch.cat([x, torch.flip(x, dims=[3])], dim=0) if self.flip else x
        logits = torch.stack([member(inputs) for member in self.members]).mean(dim=0)
        return (logits[:n] + logits[n:]) / 2 if self.flip else logits
