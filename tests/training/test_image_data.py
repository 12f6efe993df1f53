"""Images through the config data path: N-D inputs stay N-D (npz), the built-in `digits` data set
(scikit-learn's, behind the [data] extra), and configs/digits_cnn.yaml's stated accuracy."""
import sys

import numpy as np
import pytest

from framework.training import train, ConfigError
from framework.training import data as D

from .helpers import config_path


def _quiet(config, overrides, tmp_path):
    import os
    return train(config, overrides=list(overrides) + [f'output.dir={tmp_path}'], progress=False,
                 out=open(os.devnull, 'w'))


def test_digits_are_real_images():
    pytest.importorskip('sklearn')
    d = D.digits(None)
    assert d.x.shape == (1797, 1, 8, 8) and d.x.dtype == np.float32
    assert d.x.min() == 0.0 and d.x.max() == 1.0
    assert d.y.dtype == np.int64 and sorted(set(d.y.tolist())) == list(range(10))
    # the first image is a zero: a ring, dark in the middle
    assert d.y[0] == 0 and d.x[0, 0, 3, 3] == 0.0 and d.x[0, 0, 3, 2] == 12 / 16 and d.x[0, 0, 0, 3] == 13 / 16


def test_digits_without_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, 'sklearn', None)
    monkeypatch.setitem(sys.modules, 'sklearn.datasets', None)
    with pytest.raises(ConfigError) as e:
        D.digits(None)
    assert str(e.value) == 'data.name: digits needs scikit-learn: pip install -e ".[data]"'


def test_npz_images_keep_their_shape(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 1, 6, 6)).astype(np.float32)
    y = (x[:, 0, :3].sum((1, 2)) > x[:, 0, 3:].sum((1, 2))).astype(np.int64)
    path = tmp_path / 'images.npz'
    np.savez(path, x=x, y=y)
    cfg = {'seed': 0, 'device': 'cpu', 'data': {'name': 'npz', 'path': str(path)},
           'model': {'layers': [{'Conv2d': {'in_channels': 1, 'out_channels': 4, 'kernel_size': 3}}, 'ReLU',
                                {'MaxPool2d': [2]}, 'Flatten', {'Linear': [16, 2]}]},
           'loss': 'CrossEntropyLoss', 'optimizer': {'name': 'Adam', 'lr': 0.01},
           'train': {'epochs': 2, 'batch_size': 8, 'val_split': 0.25, 'metrics': ['accuracy']}}
    loaded = D._load_npz(str(path), None, 'y')
    assert loaded[0].shape == (40, 1, 6, 6)
    r = _quiet(cfg, [], tmp_path)
    assert r.steps == 8 and np.isfinite(r.final_loss)


def test_image_model_that_does_not_fit_is_a_config_error(tmp_path):
    pytest.importorskip('sklearn')
    with pytest.raises(ConfigError, match=r'features: shape \(1, 8, 8\) per sample'):
        _quiet(config_path('digits_cnn'), ['model.layers.9.Linear=[100, 10]'], tmp_path)


def test_digits_cnn_reaches_its_stated_accuracy(tmp_path):
    pytest.importorskip('sklearn')
    r = _quiet(config_path('digits_cnn'), [], tmp_path)
    assert r.steps == 345
    # the header's 98.9% (355 of 359) on the machine it was measured on; another CPU's BLAS kernels may round
    # differently over 345 steps and flip a sample or two, never the 98% the config promises
    assert r.metrics['val_accuracy'] >= 0.98
