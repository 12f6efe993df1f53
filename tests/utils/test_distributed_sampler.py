"""DistributedSampler against PyTorch's, for many (n, replicas, drop_last, shuffle, seed, epoch)."""
import itertools
from collections import Counter

import pytest

from framework.utils.data import DistributedSampler, DataLoader

CASES = list(itertools.product([1, 2, 5, 7, 10, 16, 33], [1, 2, 3, 4, 8], [False, True]))


def _all_ranks(n, k, drop_last, shuffle=False, seed=0, epoch=0, cls=DistributedSampler):
    out = []
    for r in range(k):
        s = cls(range(n), num_replicas=k, rank=r, shuffle=shuffle, seed=seed, drop_last=drop_last)
        s.set_epoch(epoch)
        out.append(list(s))
    return out


@pytest.mark.parametrize('n,k,drop_last', CASES)
def test_unshuffled_indices_are_torchs(n, k, drop_last):
    ours = _all_ranks(n, k, drop_last)
    # hand-worked: padding repeats from the start, rank r takes positions r, r+k, ...
    total = -(-n // k) * k if not drop_last or n % k == 0 else (n - n % k)
    order = (list(range(n)) * (total // n + 1))[:total]
    assert ours == [order[r::k] for r in range(k)]
    pytest.importorskip('torch')
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    assert ours == _all_ranks(n, k, drop_last, cls=TorchSampler)
    assert [len(DistributedSampler(range(n), k, r, drop_last=drop_last)) for r in range(k)] == \
        [len(TorchSampler(range(n), k, r, drop_last=drop_last)) for r in range(k)]


@pytest.mark.parametrize('n,k,drop_last', CASES)
@pytest.mark.parametrize('seed,epoch', [(0, 0), (3, 1), (42, 7)])
def test_shuffled_partition_has_torchs_counts(n, k, drop_last, seed, epoch):
    """torch.randperm's stream is not reproduced: compare what holds for any permutation."""
    ours = _all_ranks(n, k, drop_last, True, seed, epoch)
    assert ours == _all_ranks(n, k, drop_last, True, seed, epoch)        # every rank draws the same order
    counts = Counter(i for part in ours for i in part)
    if drop_last:
        assert all(c == 1 for c in counts.values())                     # a partition of a subset
    else:
        assert set(counts) == set(range(n))                             # everything, a few twice
    pytest.importorskip('torch')
    from torch.utils.data.distributed import DistributedSampler as TorchSampler
    ref = _all_ranks(n, k, drop_last, True, seed, epoch, cls=TorchSampler)
    assert [len(p) for p in ours] == [len(p) for p in ref]
    assert sorted(Counter(i for p in ours for i in p).values()) == sorted(Counter(i for p in ref for i in p).values())


def test_set_epoch_reshuffles_and_errors():
    s = DistributedSampler(range(50), num_replicas=2, rank=0, seed=1)
    a = list(s)
    s.set_epoch(1)
    assert list(s) != a and sorted(list(s)) != []
    s.set_epoch(0)
    assert list(s) == a
    with pytest.raises(ValueError, match=r'^Invalid rank 2, rank should be in the interval \[0, 1\]$'):
        DistributedSampler(range(5), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match='Default process group has not been initialized'):
        DistributedSampler(range(5))
    loader = DataLoader(list(range(10)), batch_size=2, sampler=DistributedSampler(range(10), 2, 1, shuffle=False))
    assert [b.tolist() for b in loader] == [[1, 3], [5, 7], [9]]
