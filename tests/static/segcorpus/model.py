# ruff: noqa
"""The model: encoder + head, channels-last logits."""

from __future__ import annotations

from torch import nn

from .layers import Encoder, Head
from .types import Images, Logits


class Segmenter(nn.Module):
    def __init__(self, width: int = 16, num_classes: int = 5) -> None:
        super().__init__()
        self.encoder = Encoder(width)
        self.head = Head(width, num_classes)

    def forward(self, images: Images) -> Logits:
        feats = self.encoder(images)
        return self.head(feats)
