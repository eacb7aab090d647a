"""The PyTorch network: a small patch-whitened convnet for 32x32 inputs, and the wrapper exported to ONNX."""

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 (the usual name)

WHITENING_PATCH = 2
_PATCH_DIM = 3 * WHITENING_PATCH * WHITENING_PATCH


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


class WhitenedConvNet(nn.Module):
    """A fixed first layer that whitens 2x2 patches (its weights are the ZCA basis of the training patches,
    both signs, frozen), then three conv groups of width w, 2w, 4w and a global max-pool.

    With 800 training images, every parameter has to earn its keep: whitening hands the convolutions
    decorrelated inputs from the start instead of making them learn it, which trains faster and generalises
    better at this data size than a plain ResNet of the same cost."""

    def __init__(self, num_classes: int = 2, width: int = 32) -> None:
        super().__init__()
        self.whiten = nn.Conv2d(3, 2 * _PATCH_DIM, WHITENING_PATCH, bias=True)
        self.whiten.weight.requires_grad_(False)
        self.groups = nn.Sequential(
            ConvGroup(2 * _PATCH_DIM, width), ConvGroup(width, 2 * width), ConvGroup(2 * width, 4 * width)
        )
        self.head = nn.Linear(4 * width, num_classes, bias=False)

    @torch.no_grad()
    def init_whitening(self, images: torch.Tensor, eps: float = 5e-4) -> None:
        """Set the first layer from the patch covariance of `images` (N, 3, H, W, normalised)."""
        k = WHITENING_PATCH
        patches = images.unfold(2, k, 1).unfold(3, k, 1)  # N, C, H', W', k, k
        patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(-1, _PATCH_DIM).double()
        covariance = patches.T @ patches / len(patches)
        eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
        basis = (eigenvectors.T / torch.sqrt(eigenvalues + eps)[:, None]).reshape(_PATCH_DIM, 3, k, k)
        self.whiten.weight.copy_(torch.cat([basis, -basis]).float())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.groups(F.relu(self.whiten(x)))
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
