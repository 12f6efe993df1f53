"""Config runs with DataLoader workers and memory-mapped data: the same metrics as in-process loading,
the schema's validation of the new keys, and .npy / .npz data read through memory maps."""
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from framework.training import read_metrics
from framework.training.config import ConfigError, resolve
from framework.training import data as D
from .helpers import ROOT, config_path
from .test_trainer import quiet_train, params
from tests.utils.test_dataloader_workers import children

pytestmark = pytest.mark.skipif(not hasattr(os, 'fork'), reason='worker runs use the fork start method')


def test_classify_cli_with_two_workers_gives_the_same_metrics(tmp_path):
    """`python train.py --config configs/classify.yaml train.num_workers=2` against 0 workers (shortened)."""
    rows = {}
    for w in (0, 2):
        cmd = [sys.executable, 'train.py', '--config', config_path('classify'), f'train.num_workers={w}',
               'train.epochs=6', 'train.log_every=19', f'output.dir={tmp_path}', f'output.name=w{w}',
               'train.progress=false']
        r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        rows[w] = read_metrics(os.path.join(tmp_path, f'w{w}', 'metrics.csv'))
    assert len(rows[0]) == 6 and rows[0] == rows[2]              # one process: bit-identical batches and steps
    assert rows[2][-1]['val_accuracy'] > 0.45                     # learning (chance: 1/3)


@pytest.mark.parametrize('extra', [[], ['train.persistent_workers=true', 'train.prefetch_factor=3']])
def test_workers_same_parameters_and_resume(tmp_path, extra):
    over = ['train.epochs=3', 'train.log_every=19', 'train.checkpoint_every=19']
    ref = quiet_train(config_path('classify'), over, tmp=tmp_path / 'ref')
    before = set(children())
    got = quiet_train(config_path('classify'), over + ['train.num_workers=2'] + extra, tmp=tmp_path / 'w')
    assert set(children()) - before == set()                     # workers stopped when fit returned
    assert got.history == ref.history
    for k, v in params(ref.model).items():
        np.testing.assert_array_equal(params(got.model)[k], v)
    # stopped in the middle of an epoch and resumed: the loader starts at the saved position
    part = quiet_train(config_path('classify'), over + ['train.num_workers=2'] + extra, tmp=tmp_path / 'p',
                       stop_after=25)
    assert part.interrupted and part.steps == 25
    resumed = quiet_train(None, resume=part.run_dir)
    for k, v in params(ref.model).items():
        np.testing.assert_array_equal(params(resumed.model)[k], v)


def _base(**train):
    return {'data': {'name': 'spirals'}, 'model': [{'Linear': [2, 3]}], 'loss': 'CrossEntropyLoss',
            'optimizer': {'name': 'SGD', 'lr': 0.1}, 'train': {'epochs': 1, **train}}


def test_schema_validates_worker_keys():
    t = resolve(_base(num_workers=2, prefetch_factor=4, persistent_workers=True))['train']
    assert (t['num_workers'], t['prefetch_factor'], t['persistent_workers']) == (2, 4, True)
    t = resolve(_base())['train']
    assert (t['num_workers'], t['prefetch_factor'], t['persistent_workers']) == (0, None, False)
    cases = [
        (dict(num_workers=-1), 'train.num_workers: expected a non-negative integer, got -1'),
        (dict(num_workers=1.5), 'train.num_workers: expected a non-negative integer, got 1.5'),
        (dict(num_workers=2, prefetch_factor=0), 'train.prefetch_factor: expected a positive integer or null, got 0'),
        (dict(prefetch_factor=2), 'train.prefetch_factor: only used with train.num_workers > 0 (got '
                                  'prefetch_factor=2, num_workers=0)'),
        (dict(persistent_workers=True), 'train.persistent_workers: only used with train.num_workers > 0 (got '
                                        'persistent_workers=true, num_workers=0)'),
        (dict(num_workers=1, persistent_workers='yes'), "train.persistent_workers: expected true or false, got 'yes'"),
    ]
    for train, msg in cases:
        with pytest.raises(ConfigError) as e:
            resolve(_base(**train))
        assert str(e.value) == msg
    cfg = _base()
    cfg['data']['mmap'] = True
    with pytest.raises(ConfigError, match=r"^data.mmap: only for data.name npz or npy \(data.name is 'spirals'\)$"):
        D.load(resolve(cfg), 0)


# ---------------------------------------------------------------------------------------------
# .npy directories and memory-mapped .npz

def _arrays(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 2, 3)).astype(np.float32)       # flattened to 6 columns per sample
    extra = rng.integers(0, 5, (n, 2)).astype(np.int16)          # a second feature array, other dtype
    y = (x.reshape(n, -1).sum(1) > 0).astype(np.int64)
    return x, extra, y


def _cfg(tmp_path, name, path, mmap, workers=0, **data):
    return {'data': {'name': name, 'path': str(path), 'mmap': mmap, **data},
            'model': [{'Linear': [8, 2]}], 'loss': 'CrossEntropyLoss', 'optimizer': {'name': 'SGD', 'lr': 0.1},
            'train': {'epochs': 2, 'batch_size': 32, 'shuffle': True, 'val_split': 0.2, 'metrics': ['accuracy'],
                      'log_every': 8, 'num_workers': workers},
            'output': {'dir': str(tmp_path / 'runs'), 'name': f'{name}-{mmap}-{workers}', 'plot': False}}


def test_npy_and_npz_mmap_read_the_same_values(tmp_path):
    x, extra, y = _arrays()
    d = tmp_path / 'npy'
    d.mkdir()
    np.save(d / 'x.npy', x)
    np.save(d / 'extra.npy', extra)
    np.save(d / 'y.npy', y)
    np.savez(tmp_path / 'data.npz', x=x, extra=extra, y=y)
    expected = np.concatenate([x.reshape(300, -1), extra.astype(np.float32)], 1)
    for name, path in (('npy', d), ('npz', tmp_path / 'data.npz')):
        for mmap in (False, True):
            cfg = resolve(_cfg(tmp_path, name, path, mmap, features=['x', 'extra']))
            data = D.load(cfg, 0)
            assert D.is_mapped(data.x) == mmap
            np.testing.assert_array_equal(np.asarray(data.x), expected)
            np.testing.assert_array_equal(data.y, y)
            if mmap:
                idx = np.array([5, 0, 299, 5])
                np.testing.assert_array_equal(data.x[idx], expected[idx])
                np.testing.assert_array_equal(data.x[10:13], expected[10:13])
                tr, va = D.split(data, 0.2, 0)
                assert D.is_mapped(tr.x) and tr.x.shape == (240, 8) and va.x.shape == (60, 8)
                ref_tr, ref_va = D.split(D.Data(expected, y), 0.2, 0)
                np.testing.assert_array_equal(np.asarray(va.x), ref_va.x)
                np.testing.assert_array_equal(tr.x[[0, 239]], ref_tr.x[[0, 239]])


def test_mmap_run_matches_in_memory_run(tmp_path):
    x, extra, y = _arrays()
    d = tmp_path / 'npy'
    d.mkdir()
    np.save(d / 'x.npy', x)
    np.save(d / 'extra.npy', extra)
    np.save(d / 'y.npy', y)
    from framework.training import train
    results = {}
    for mmap, workers in ((False, 0), (True, 0), (True, 2)):
        cfg = _cfg(tmp_path, 'npy', d, mmap, workers, features=['x', 'extra'])
        results[(mmap, workers)] = train(cfg, progress=False, out=open(os.devnull, 'w'), report=False)
    ref = results[(False, 0)].history
    for key in ((True, 0), (True, 2)):
        got = results[key].history
        assert [r['step'] for r in got] == [r['step'] for r in ref]
        for a, b in zip(got, ref):   # training identical; validation computed in chunks on mapped data
            assert a['loss'] == b['loss']
            assert a['val_accuracy'] == b['val_accuracy']
            np.testing.assert_allclose(a['val_loss'], b['val_loss'], rtol=1e-6)


def test_mmap_errors(tmp_path):
    x, extra, y = _arrays(20)
    np.savez_compressed(tmp_path / 'c.npz', x=x, y=y)
    with pytest.raises(ConfigError, match=r"^data.mmap: array 'x' in .*c.npz is compressed \(np.savez_compressed\); "
                                          r'memory mapping needs an uncompressed .npz \(np.savez\) or .npy files$'):
        D.load(resolve(_cfg(tmp_path, 'npz', tmp_path / 'c.npz', True)), 0)
    np.savez(tmp_path / 'u.npz', x=x, y=y)
    with pytest.raises(ConfigError, match=r"^data.features\[0\]: no array 'z' in .*u.npz \(arrays: x, y\)$"):
        D.load(resolve(_cfg(tmp_path, 'npz', tmp_path / 'u.npz', True, features=['z'])), 0)
    d = tmp_path / 'npy'
    d.mkdir()
    np.save(d / 'x.npy', x)
    with pytest.raises(ConfigError, match=r"^data.target: no file 'y.npy' in .*npy \(arrays: x\)$"):
        D.load(resolve(_cfg(tmp_path, 'npy', d, True)), 0)
    with pytest.raises(ConfigError, match=r'^data.path: directory not found: .*nowhere'):
        D.load(resolve(_cfg(tmp_path, 'npy', tmp_path / 'nowhere', False)), 0)
    with pytest.raises(ConfigError, match=r"^data.mmap: only for data.name npz or npy \(data.name is 'csv'\)$"):
        (tmp_path / 'a.csv').write_text('a,y\n1,0\n')
        D.load(resolve(_cfg(tmp_path, 'csv', tmp_path / 'a.csv', True)), 0)
    assert zipfile.is_zipfile(tmp_path / 'u.npz')


def test_mmap_features_release_pages(tmp_path):
    """Reading past release_bytes drops the touched pages from the process (resident memory stays flat)."""
    n, f = 4096, 1024                                            # 16 MiB of float32
    np.save(tmp_path / 'x.npy', np.ones((n, f), np.float32))
    x = np.load(tmp_path / 'x.npy', mmap_mode='r')
    feats = D.MmapFeatures([x])
    feats.release_bytes = 4 << 20
    calls = []
    m = D._mapping(feats.arrays[0])
    assert m is not None
    feats.release = lambda: calls.append(1)
    for i in range(0, n, 256):
        assert feats[np.arange(i, i + 256)].sum() == 256 * f
    assert len(calls) == 4                                       # every 4 MiB of the 16
    assert os.path.getsize(tmp_path / 'x.npy') > n * f * 4
    D.MmapFeatures([x]).release()                                # the real call works on this platform


@pytest.mark.filterwarnings('ignore::RuntimeWarning')
def test_failing_run_stops_its_workers(tmp_path):
    """A run that raises (here the loss diverges) stops its workers at once, though the traceback still
    holds the loop's frame."""
    before = set(children())
    over = ['train.epochs=3', 'train.log_every=1', 'optimizer.lr=1e30', 'train.num_workers=2',
            'train.persistent_workers=true']
    try:
        quiet_train(config_path('classify'), over, tmp=tmp_path)
    except FloatingPointError as e:
        assert str(e).startswith('loss became nan')
        assert e.__traceback__ is not None and set(children()) - before == set()
    else:
        raise AssertionError('the run did not fail')
