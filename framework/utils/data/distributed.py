"""DistributedSampler: each rank's share of a data set, with PyTorch's padding and index rules.

The indices are padded (repeating from the start) or, with drop_last, cut to a multiple of
`num_replicas`, then rank r takes every `num_replicas`-th from position r. Without shuffle they are
PyTorch's exactly. With shuffle the permutation is drawn from framework's generator seeded with
`seed + epoch` (NumPy's PCG64), identical on every rank, but not the permutation torch.randperm draws.
"""
import math

import numpy as np

from .sampler import Sampler


class DistributedSampler(Sampler):
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            if not dist.is_available():
                raise RuntimeError('Requires distributed package to be available')
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f'Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]')
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _order(self):
        n = len(self.dataset)
        if self.shuffle:
            from ...random import Generator
            return Generator().manual_seed(self.seed + self.epoch).rng.permutation(n)
        return np.arange(n)

    def __iter__(self):
        indices = self._order()
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices = np.concatenate([indices, indices[:pad]])
            else:
                indices = np.concatenate([indices] * (1 + math.ceil(pad / len(indices))))[:self.total_size]
        else:
            indices = indices[:self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f'Number of indices ({len(indices)}) does not match total_size ({self.total_size})')
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f'Number of subsampled indices ({len(indices)}) does not match num_samples '
                                 f'({self.num_samples})')
        return iter(indices.tolist())

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """A new shuffle each epoch: call before iterating, with the same epoch on every rank."""
        self.epoch = epoch
