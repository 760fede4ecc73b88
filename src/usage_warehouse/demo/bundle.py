"""Parallel numpy arrays that travel together (one entry per row) and are sliced together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Self

import numpy as np

from usage_warehouse.demo.rand import I64


@dataclass(frozen=True)
class ArrayBundle:
    """Base of dataclasses whose fields are equally long numpy arrays."""

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))

    def take(self, index: I64) -> Self:
        """The rows at ``index``, in that order."""
        return replace(self, **{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def concat(cls, parts: Sequence[Self]) -> Self:
        """The rows of every part, one part after the other."""
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})
