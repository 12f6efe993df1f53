"""Datasets, samplers, DataLoader and default_collate."""
from collections import namedtuple

import numpy as np
import pytest

import framework
from framework.utils.data import (Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, DataLoader,
                                  default_collate, random_split, RandomSampler, SequentialSampler, BatchSampler,
                                  SubsetRandomSampler)
from tests.conftest import torch_or_skip


def dataset(n=23):
    x = framework.arange(n * 2, dtype=framework.float32).reshape(n, 2)
    y = framework.arange(n)
    return TensorDataset(x, y)


def test_tensor_dataset():
    ds = dataset(5)
    assert len(ds) == 5
    x, y = ds[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3
    with pytest.raises(AssertionError, match='Size mismatch between tensors'):
        TensorDataset(framework.zeros(3), framework.zeros(4))


@pytest.mark.parametrize('n,bs,drop_last', [(23, 5, False), (23, 5, True), (20, 5, False), (20, 5, True),
                                            (3, 10, False), (3, 10, True)])
def test_batch_counts(n, bs, drop_last):
    loader = DataLoader(dataset(n), batch_size=bs, drop_last=drop_last)
    batches = list(loader)
    expected = n // bs if drop_last else -(-n // bs)
    assert len(loader) == expected == len(batches)
    sizes = [len(b[1]) for b in batches]
    assert all(s == bs for s in sizes[:-1])
    if batches:
        assert sizes[-1] == (bs if drop_last or n % bs == 0 else n % bs)
    if not drop_last:
        assert framework.cat([b[1] for b in batches]).tolist() == list(range(n))


def test_batch_types_and_shapes():
    x, y = next(iter(DataLoader(dataset(), batch_size=4)))
    assert isinstance(x, framework.Tensor) and x.shape == (4, 2) and x.dtype == framework.float32
    assert y.shape == (4,) and y.dtype == framework.int64
    batch = next(iter(DataLoader(dataset(), batch_size=4)))
    assert isinstance(batch, list)            # tuples collate to lists, as in PyTorch


def test_shuffle_is_a_permutation_and_reproducible():
    ds = dataset(50)
    framework.manual_seed(0)
    e1 = framework.cat([y for _, y in DataLoader(ds, batch_size=8, shuffle=True)]).tolist()
    e2 = framework.cat([y for _, y in DataLoader(ds, batch_size=8, shuffle=True)]).tolist()
    assert sorted(e1) == list(range(50)) and sorted(e2) == list(range(50))
    assert e1 != list(range(50)) and e1 != e2
    framework.manual_seed(0)
    assert framework.cat([y for _, y in DataLoader(ds, batch_size=8, shuffle=True)]).tolist() == e1
    g = framework.Generator().manual_seed(7)
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=g)
    a = [y.tolist() for _, y in loader]
    b = [y.tolist() for _, y in loader]
    assert a != b                                # a new order each epoch
    g.manual_seed(7)
    assert [y.tolist() for _, y in loader] == a
    # the shuffled rows stay paired
    for x, y in DataLoader(ds, batch_size=8, shuffle=True):
        assert (x[:, 0] == y.float() * 2).all()


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {'x': np.array([i, i * i], dtype=np.float32), 'y': i, 'w': float(i) / 2, 'name': f's{i}',
                'pair': (framework.tensor(i), [i, i + 1])}


def test_collate_dicts_tuples_numbers_arrays():
    batch = next(iter(DataLoader(Squares(5), batch_size=3)))
    assert set(batch) == {'x', 'y', 'w', 'name', 'pair'}
    assert batch['x'].shape == (3, 2) and batch['x'].dtype == framework.float32
    assert batch['y'].tolist() == [0, 1, 2] and batch['y'].dtype == framework.int64
    assert batch['w'].dtype == framework.float64 and batch['w'].tolist() == [0.0, 0.5, 1.0]
    assert batch['name'] == ['s0', 's1', 's2']
    t, lst = batch['pair']
    assert t.tolist() == [0, 1, 2]
    assert [v.tolist() for v in lst] == [[0, 1, 2], [1, 2, 3]]
    Point = namedtuple('Point', 'a b')
    out = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(out, Point) and out.a.tolist() == [1, 3]
    assert default_collate([True, False]).dtype == framework.bool
    with pytest.raises(RuntimeError, match='each element in list of batch should be of equal size'):
        default_collate([[1, 2], [3]])


def test_collate_matches_torch():
    torch_or_skip()
    import torch.utils.data as tud
    samples = [Squares(4)[i] for i in range(4)]
    for s in samples:
        s['pair'] = (s['pair'][0].item(), s['pair'][1])
    ours = default_collate(samples)
    theirs = tud.default_collate(samples)
    assert ours.keys() == theirs.keys()
    for k in ('x', 'y', 'w'):
        np.testing.assert_array_equal(ours[k].numpy(), theirs[k].numpy())    # exact: collate only stacks
        assert str(ours[k].dtype).split('.')[-1] == str(theirs[k].dtype).split('.')[-1]
    assert type(ours['pair']) is type(theirs['pair'])


def test_custom_collate_and_sampler():
    ds = dataset(10)
    loader = DataLoader(ds, batch_size=3, collate_fn=lambda b: len(b))
    assert list(loader) == [3, 3, 3, 1]
    loader = DataLoader(ds, batch_size=2, sampler=SubsetRandomSampler([1, 3, 5, 7]))
    assert sorted(framework.cat([y for _, y in loader]).tolist()) == [1, 3, 5, 7]
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, drop_last=True))
    assert [y.tolist() for _, y in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    loader = DataLoader(ds, batch_size=None)
    x, y = next(iter(loader))
    assert x.shape == (2,) and len(loader) == 10
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert len(RandomSampler(ds, replacement=True, num_samples=7)) == 7
    with pytest.raises(ValueError, match='sampler option is mutually exclusive with shuffle'):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match='batch_sampler option is mutually exclusive'):
        DataLoader(ds, batch_size=2, batch_sampler=BatchSampler(SequentialSampler(ds), 2, False))


def test_fast_path_equals_per_sample_collate():
    ds = dataset(17)
    framework.manual_seed(5)
    fast = [[t.tolist() for t in b] for b in DataLoader(ds, batch_size=4, shuffle=True)]
    framework.manual_seed(5)
    slow = [[t.tolist() for t in b] for b in DataLoader(ds, batch_size=4, shuffle=True, collate_fn=default_collate)]
    assert fast == slow


def test_subset_random_split_concat():
    ds = dataset(10)
    sub = Subset(ds, [9, 0, 4])
    assert len(sub) == 3 and sub[0][1].item() == 9
    assert [y.tolist() for _, y in DataLoader(sub, batch_size=2)] == [[9, 0], [4]]
    a, b, c = random_split(ds, [5, 3, 2], generator=framework.Generator().manual_seed(1))
    idx = a.indices + b.indices + c.indices
    assert (len(a), len(b), len(c)) == (5, 3, 2) and sorted(idx) == list(range(10))
    a2, _, _ = random_split(ds, [5, 3, 2], generator=framework.Generator().manual_seed(1))
    assert a2.indices == a.indices
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(dataset(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]
    with pytest.raises(ValueError, match='Sum of input lengths does not equal the length of the input dataset!'):
        random_split(ds, [4, 4])
    cat = ConcatDataset([ds, sub])
    assert len(cat) == 13 and cat[10][1].item() == 9 and cat[-1][1].item() == 4
    assert len(ds + sub) == 13


def test_subset_fetches_batches_through_getitems():
    class Rows(Dataset):
        def __init__(self):
            self.calls = []

        def __len__(self):
            return 10

        def __getitem__(self, i):
            return np.float32(i)

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [np.float32(i) for i in indices]

    rows = Rows()
    sub = Subset(rows, [7, 2, 5, 0])
    assert sub.__getitems__([3, 1]) == [0.0, 2.0] and rows.calls == [[0, 2]]
    assert [b.tolist() for b in DataLoader(sub, batch_size=3)] == [[7.0, 2.0, 5.0], [0.0]]
    assert rows.calls[1:] == [[7, 2, 5], [0]]             # one call per batch, as PyTorch's fetcher makes
    assert Subset(list(range(10, 20)), [4, 1]).__getitems__([1, 0]) == [11, 14]


def test_iterable_dataset():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
