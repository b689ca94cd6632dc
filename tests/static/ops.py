# ruff: noqa
"""Shape rules for torch / numpy operations: one case per rule, correct and conflicting."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from shapeguard import Bool, Float, Int, reveal_shape


def methods(x: Float[Tensor, "4 1 23 23"], s: Float[Tensor, "b c h w"]) -> None:
    reveal_shape(x.squeeze(1))  # N: Revealed shape is Float["4 23 23"]
    reveal_shape(x.squeeze())  # N: Revealed shape is Float["4 23 23"]
    x.squeeze(2)  # E: "Tensor.squeeze": dim 2 of "4 1 23 23" has size 23, not 1: squeeze(2) does nothing [shape]
    reveal_shape(s.squeeze(1))  # N: Revealed shape is Float[unknown shape]
    reveal_shape(x.unsqueeze(-1))  # N: Revealed shape is Float["4 1 23 23 1"]
    reveal_shape(x.unsqueeze(0))  # N: Revealed shape is Float["1 4 1 23 23"]
    reveal_shape(s.permute(0, 2, 3, 1))  # N: Revealed shape is Float["b h w c"]
    s.permute(0, 2, 1)  # E: "Tensor.permute": 3 dims given for "b c h w" (rank 4) [shape]
    reveal_shape(s.transpose(1, -1))  # N: Revealed shape is Float["b w h c"]
    reveal_shape(s.flatten(1))  # N: Revealed shape is Float["b c*h*w"]
    reveal_shape(x.flatten())  # N: Revealed shape is Float["2116"]
    reveal_shape(x.view(4, -1))  # N: Revealed shape is Float["4 529"]
    reveal_shape(x.reshape(2, 2, 529))  # N: Revealed shape is Float["2 2 529"]
    x.view(5, -1)  # E: "Tensor.view": cannot view "4 1 23 23" (2116 elements) as (5, -1): 2116 is not a multiple of 5 [shape]
    x.reshape(4, 23, 22)  # E: "Tensor.reshape": cannot view "4 1 23 23" (2116 elements) as "4 23 22" (2024 elements) [shape]
    reveal_shape(x.expand(4, 3, 23, 23))  # N: Revealed shape is Float["4 3 23 23"]
    x.expand(4, 3, 22, 23)  # E: "Tensor.expand": cannot expand dim 2 of "4 1 23 23" (size 23) to 22 [shape]
    reveal_shape(x.repeat(1, 3, 1, 1))  # N: Revealed shape is Float["4 3 23 23"]
    reveal_shape(x.contiguous())  # N: Revealed shape is Float["4 1 23 23"]
    reveal_shape(x.detach().clone())  # N: Revealed shape is Float["4 1 23 23"]
    reveal_shape(s.mT)  # N: Revealed shape is Float["b c w h"]


def dtypes(x: Float[Tensor, "4 5"], i: Int[Tensor, "4 5"]) -> None:
    reveal_shape(x.long())  # N: Revealed shape is Int64["4 5"]
    reveal_shape(x.int())  # N: Revealed shape is Int32["4 5"]
    reveal_shape(i.float())  # N: Revealed shape is Float32["4 5"]
    reveal_shape(i.bool())  # N: Revealed shape is Bool["4 5"]
    reveal_shape(x.half())  # N: Revealed shape is Float16["4 5"]
    reveal_shape(x.double())  # N: Revealed shape is Float64["4 5"]
    reveal_shape(x.to(torch.int64))  # N: Revealed shape is Int64["4 5"]
    reveal_shape(x.to("cpu"))  # N: Revealed shape is Float["4 5"]
    reveal_shape(x.to(i))  # N: Revealed shape is Int["4 5"]


def indexing(x: Float[Tensor, "4 3 23 23"], v: Float[Tensor, "*b h w"], k: int) -> None:
    reveal_shape(x[0])  # N: Revealed shape is Float["3 23 23"]
    reveal_shape(x[:, 0])  # N: Revealed shape is Float["4 23 23"]
    reveal_shape(x[..., 0])  # N: Revealed shape is Float["4 3 23"]
    reveal_shape(x[:, None])  # N: Revealed shape is Float["4 1 3 23 23"]
    reveal_shape(x[:, :, 1:5])  # N: Revealed shape is Float["4 3 4 23"]
    reveal_shape(x[k])  # N: Revealed shape is Float["3 23 23"]
    reveal_shape(v[..., 0])  # N: Revealed shape is Float["*b h"]
    reveal_shape(x[x > 0])  # N: Revealed shape is Float[unknown shape]
    x[0, 0, 0, 0, 0]  # E: "Tensor.__getitem__": too many indices for "4 3 23 23" (rank 4) [shape]
    x[5]  # E: index 5 is out of range for a dim of size 4 [shape]


def factories(n: int) -> None:
    reveal_shape(torch.zeros(2, 3))  # N: Revealed shape is Float["2 3"]
    reveal_shape(torch.ones((2, 3)))  # N: Revealed shape is Float["2 3"]
    reveal_shape(torch.randn(n, 3))  # N: Revealed shape is Float["_ 3"]
    reveal_shape(torch.zeros(2, dtype=torch.int64))  # N: Revealed shape is Int64["2"]
    reveal_shape(torch.full((2, 2), 1.5))  # N: Revealed shape is Float["2 2"]
    reveal_shape(torch.randint(0, 5, (4, 23, 23)))  # N: Revealed shape is Int64["4 23 23"]
    x = torch.rand(4, 5)
    reveal_shape(torch.zeros_like(x))  # N: Revealed shape is Float["4 5"]
    reveal_shape(torch.empty(x.shape[0], 7))  # N: Revealed shape is Float["4 7"]
    reveal_shape(np.zeros((3, 4)))  # N: Revealed shape is Float64["3 4"]
    reveal_shape(np.ones((3, 4), dtype=np.int32))  # N: Revealed shape is Int32["3 4"]
    reveal_shape(np.full((2,), 7))  # N: Revealed shape is Int["2"]


def combinators(a: Float[Tensor, "4 3"], b: Float[Tensor, "4 5"], c: Float[Tensor, "3 7"], d: Float[Tensor, "2 3"]) -> None:
    reveal_shape(torch.cat([a, b], dim=1))  # N: Revealed shape is Float["4 8"]
    torch.cat([a, b])  # E: "cat": "4 3" and "4 5" differ in dim 1 (3 vs 5); only dim 0 may differ [shape]
    reveal_shape(torch.stack([a, a]))  # N: Revealed shape is Float["2 4 3"]
    torch.stack([a, d])  # E: "stack": all tensors must have the same shape [shape]
    reveal_shape(a @ c)  # N: Revealed shape is Float["4 7"]
    a @ b  # E: "Tensor.__matmul__": inner dims differ: "4 3" @ "4 5" (3 vs 4) [shape]
    reveal_shape(torch.matmul(a, c))  # N: Revealed shape is Float["4 7"]


def arithmetic(a: Float[Tensor, "4 3"], r: Float[Tensor, "3"], col: Float[Tensor, "4 1"], bad: Float[Tensor, "5"], s: Float[Tensor, "b n"], i: Int[Tensor, "4 3"]) -> None:
    reveal_shape(a + r)  # N: Revealed shape is Float["4 3"]
    reveal_shape(a * col)  # N: Revealed shape is Float["4 3"]
    reveal_shape(2 * a)  # N: Revealed shape is Float["4 3"]
    reveal_shape(a - 1)  # N: Revealed shape is Float["4 3"]
    a + bad  # E: "Tensor.__add__": shapes "4 3" and "5" cannot broadcast: dim -1 is 3 vs 5 [shape]
    reveal_shape(a > 0)  # N: Revealed shape is Bool["4 3"]
    reveal_shape(s + s)  # N: Revealed shape is Float["b n"]
    reveal_shape(i * 0.5)  # N: Revealed shape is Float["4 3"]
    reveal_shape(-a)  # N: Revealed shape is Float["4 3"]


def reductions(x: Float[Tensor, "b h w n"]) -> None:
    reveal_shape(x.sum())  # N: Revealed shape is Float[""]
    reveal_shape(x.sum(dim=-1))  # N: Revealed shape is Float["b h w"]
    reveal_shape(x.mean(1, keepdim=True))  # N: Revealed shape is Float["b 1 w n"]
    reveal_shape(x.argmax(dim=-1))  # N: Revealed shape is Int64["b h w"]
    reveal_shape(x.sum(dim=(1, 2)))  # N: Revealed shape is Float["b n"]
    reveal_shape(x.max())  # N: Revealed shape is Float[""]
    reveal_shape(x.max(dim=-1).values)  # N: Revealed shape is Float["b h w"]
    reveal_shape(x.max(dim=-1).indices)  # N: Revealed shape is Int64["b h w"]
    reveal_shape(x.min(1, keepdim=True).values)  # N: Revealed shape is Float["b 1 w n"]
    reveal_shape(x.max(2, True)[1])  # N: Revealed shape is Int64["b h 1 n"]
    values, indices = x.min(dim=0)
    reveal_shape(values)  # N: Revealed shape is Float["h w n"]
    reveal_shape(indices)  # N: Revealed shape is Int64["h w n"]
    reveal_shape(torch.max(x, 1)[0])  # N: Revealed shape is Float["b w n"]
    reveal_shape(torch.min(x, dim=-1, keepdim=True).indices)  # N: Revealed shape is Int64["b h w 1"]
    reveal_shape(torch.max(x))  # N: Revealed shape is Float[""]
    _per_row(x.max(dim=-1).values)  # E: Argument "v" to "_per_row" has shape "b h w"; expected "b" [shape]


def _per_row(v: Float[Tensor, "b"]) -> None: ...


def functional(x: Float[Tensor, "b n"], labels: Int[Tensor, "b"], img: Float[Tensor, "b 3 22 22"], y: Float[Tensor, "b 1"]) -> None:
    reveal_shape(F.one_hot(labels, 5))  # N: Revealed shape is Int64["b 5"]
    reveal_shape(F.one_hot(labels, num_classes=7))  # N: Revealed shape is Int64["b 7"]
    F.one_hot(x, 5)  # E: Argument "tensor" to "one_hot" has dtype Float; expected Integer [dtype]
    reveal_shape(F.softmax(x, dim=-1))  # N: Revealed shape is Float["b n"]
    reveal_shape(F.log_softmax(x, dim=-1))  # N: Revealed shape is Float["b n"]
    reveal_shape(F.relu(x))  # N: Revealed shape is Float["b n"]
    reveal_shape(torch.sigmoid(x))  # N: Revealed shape is Float["b n"]
    reveal_shape(F.interpolate(img, size=(23, 23)))  # N: Revealed shape is Float["b 3 23 23"]
    reveal_shape(F.interpolate(img, size=23))  # N: Revealed shape is Float["b 3 23 23"]
    F.interpolate(img, size=(23, 23, 23))  # E: "interpolate": size has 3 values [shape]
    reveal_shape(F.cross_entropy(x, labels))  # N: Revealed shape is Float[""]
    F.nll_loss(F.log_softmax(x, dim=1), labels.float())  # E: class-index target has dtype Float32 [dtype]
    F.mse_loss(y, y.squeeze(-1))  # E: Argument "target" to "mse_loss" has shape "b"; expected "*s" [shape]
    F.l1_loss(y, y)
    F.mse_loss(x, torch.zeros(4, 5))


def numpy_arrays(a: Float[np.ndarray, "3 4"]) -> None:
    reveal_shape(a)  # N: Revealed shape is Float["3 4"]
    reveal_shape(np.zeros_like(a))  # N: Revealed shape is Float["3 4"]
