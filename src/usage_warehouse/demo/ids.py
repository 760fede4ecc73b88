"""How a dataset numbers its records, alone or as one shard of a larger dataset.

A dataset generated alone numbers each kind of record from 1 (``acc_00001``, ``usr_000001``,
``rep_000001``...). A large dataset can be generated in shards, each with its own accounts and
everything they do, one after the other, so that only one shard is ever in memory. Shard ``k``
of ``n`` gives its ``i``-th record (from 1) the number ``(i - 1) * n + k + 1``: the shards'
numbers interleave, never collide, and keep the same id format. A dataset of one shard is
numbered exactly as a dataset generated alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from usage_warehouse.demo.columns import dictionary, prefixed_ids
from usage_warehouse.demo.rand import I64

if TYPE_CHECKING:
    from usage_warehouse.demo.config import GeneratorConfig

ACCOUNT_PREFIX, ACCOUNT_WIDTH = "acc_", 5
USER_PREFIX, USER_WIDTH = "usr_", 6


@dataclass(frozen=True)
class IdSpace:
    """The numbering of shard ``shard`` of ``shards`` (0 of 1: a dataset generated alone)."""

    shard: int = 0
    shards: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.shard < self.shards:
            raise ValueError(f"shard {self.shard} is not one of the {self.shards} shards (0 to {self.shards - 1})")

    @classmethod
    def of(cls, cfg: GeneratorConfig) -> IdSpace:
        return cls(cfg.shard, cfg.shards)

    def numbers(self, local: I64) -> I64:
        """The id numbers of records numbered ``local`` (from 1) within this shard."""
        return np.asarray((np.asarray(local, np.int64) - 1) * self.shards + self.shard + 1, np.int64)

    def prefixed(self, prefix: str, local: I64, width: int) -> pa.Array:
        """Ids (``prefix`` and a zero-padded number) of records numbered ``local`` (from 1) within this shard."""
        return prefixed_ids(prefix, self.numbers(local), width)

    def sequential(self, prefix: str, n: int, width: int = 6) -> pa.Array:
        """Ids of ``n`` records numbered in row order (``rep_000001``...)."""
        return self.prefixed(prefix, np.arange(1, n + 1, dtype=np.int64), width)

    def accounts(self, account: I64) -> pa.Array:
        """Account ids (``acc_00001``) of account indices (from 0)."""
        return self.prefixed(ACCOUNT_PREFIX, np.asarray(account, np.int64) + 1, ACCOUNT_WIDTH)

    def users(self, user: I64) -> pa.Array:
        """User ids (``usr_000001``) of user indices (from 0; -1: null), dictionary-encoded."""
        return dictionary(user, self.user_vocabulary(int(np.max(user, initial=0)) + 1))

    def account_vocabulary(self, n: int) -> pa.Array:
        """The ids of accounts 0 to ``n - 1``, in index order."""
        return self.accounts(np.arange(n, dtype=np.int64))

    def user_vocabulary(self, n: int) -> pa.Array:
        """The ids of users 0 to ``n - 1``, in index order."""
        return self.prefixed(USER_PREFIX, np.arange(1, n + 1, dtype=np.int64), USER_WIDTH)
