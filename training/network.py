"""The PyTorch network: a small patch-whitened convnet for 32x32 inputs, and the wrapper exported to ONNX."""

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 (the usual name)

from service.domain import preprocessing

WHITENING_PATCH = 2
_PATCH_DIM = WHITENING_PATCH * WHITENING_PATCH  # one (luma) channel
# ITU-R BT.601 luma weights, as Pillow's convert("L") uses.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
# About the spread of the training images' luma, like preprocessing.STD: it keeps the luma near unit variance,
# the scale the whitening's eps is set for.
LUMA_STD = 0.26


class ConvGroup(nn.Module):
    """conv3x3 -> max-pool -> BN -> ReLU -> conv3x3 -> BN -> ReLU: halves the resolution.

    ReLU rather than GELU: as accurate here, and onnxruntime fuses it into the convolution, where GELU runs as
    five element-wise operators that took a quarter of the inference time."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.norm1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.norm1(F.max_pool2d(self.conv1(x), 2)))
        return F.relu(self.norm2(self.conv2(x)))


class Luma(nn.Module):
    """Normalised RGB (service.domain.preprocessing) -> normalised luma, one channel; fixed, part of the graph.

    Bicycles and motorcycles come in every colour: colour is a nuisance here, not a cue. Seeing luma only,
    the network spends its few parameters on shape; on five cross-validation folds this kept accuracy and
    cut the validation log-loss by a tenth, which is what raises coverage at a 0.99 accuracy threshold."""

    def __init__(self) -> None:
        super().__init__()
        std = torch.tensor(preprocessing.STD)
        weights = torch.tensor(LUMA_WEIGHTS)
        # x_c * std_c is pixel_c - mean_c, so the sum is the luma less the mean luma.
        self.scale: torch.Tensor
        self.register_buffer("scale", (weights * std / LUMA_STD).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * self.scale).sum(dim=1, keepdim=True)


class WhitenedConvNet(nn.Module):
    """Luma, then a fixed layer that whitens its 2x2 patches (the weights are the ZCA basis of the training
    patches, both signs, frozen), then three conv groups of width w, 2w, 4w and a global max-pool.

    With a thousand training images, every parameter has to earn its keep: whitening hands the convolutions
    decorrelated inputs from the start instead of making them learn it, which trains faster and generalises
    better at this data size than a plain ResNet of the same cost."""

    def __init__(self, num_classes: int = 2, width: int = 32) -> None:
        super().__init__()
        self.luma = Luma()
        self.whiten = nn.Conv2d(1, 2 * _PATCH_DIM, WHITENING_PATCH, bias=True)
        self.whiten.weight.requires_grad_(False)
        self.groups = nn.Sequential(
            ConvGroup(2 * _PATCH_DIM, width), ConvGroup(width, 2 * width), ConvGroup(2 * width, 4 * width)
        )
        self.head = nn.Linear(4 * width, num_classes, bias=False)

    @torch.no_grad()
    def init_whitening(self, images: torch.Tensor, eps: float = 5e-4) -> None:
        """Set the whitening layer from the luma patch covariance of `images` (N, 3, H, W, normalised RGB)."""
        k = WHITENING_PATCH
        patches = self.luma(images).unfold(2, k, 1).unfold(3, k, 1)  # N, 1, H', W', k, k
        patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(-1, _PATCH_DIM).double()
        covariance = patches.T @ patches / len(patches)
        eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
        basis = (eigenvectors.T / torch.sqrt(eigenvalues + eps)[:, None]).reshape(_PATCH_DIM, 1, k, k)
        self.whiten.weight.copy_(torch.cat([basis, -basis]).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.groups(F.relu(self.whiten(self.luma(x))))
        return self.head(F.adaptive_max_pool2d(x, 1).flatten(1))


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
