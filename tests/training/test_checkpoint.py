"""Checkpoint files: npz + JSON without pickle, generic state encoding, atomic replacement."""
import json
import os

import numpy as np
import pytest

import framework
from framework.training import checkpoint as ckpt


def test_encode_decode_round_trip():
    arrays = {}
    state = {'state': {0: {'step': framework.tensor(3.0), 'buf': framework.ones(2, 2)}},
             'param_groups': [{'lr': 0.1, 'betas': (0.9, 0.999), 'params': [0, 1], 'foreach': None, 'name': 'a'}],
             'raw': np.arange(3)}
    meta = json.loads(json.dumps(ckpt.encode(state, 'opt', arrays)))  # survives JSON
    back = ckpt.decode(meta, arrays)
    assert set(back['state']) == {0}
    assert back['state'][0]['step'].item() == 3.0
    assert np.array_equal(back['state'][0]['buf'].numpy(), np.ones((2, 2), np.float32))
    assert back['param_groups'][0]['betas'] == (0.9, 0.999)
    assert back['param_groups'][0]['params'] == [0, 1] and back['param_groups'][0]['foreach'] is None
    assert np.array_equal(back['raw'], np.arange(3))
    with pytest.raises(TypeError, match='cannot checkpoint a function'):
        ckpt.encode({'f': lambda: 0}, 'x', {})


def test_save_and_load_without_pickle(tmp_path):
    ckpt.save(str(tmp_path), {'model/w': np.arange(4.0)}, {'step': 7, 'note': 'x'})
    arrays, meta = ckpt.load(str(tmp_path))
    assert meta['step'] == 7 and meta['format'] == ckpt.FORMAT
    assert np.array_equal(arrays['model/w'], np.arange(4.0))
    assert json.loads((tmp_path / 'checkpoint.json').read_text())['step'] == 7
    with np.load(tmp_path / 'checkpoint.npz', allow_pickle=False) as f:  # no object arrays inside
        assert all(f[k].dtype != object for k in f.files)


def test_a_crash_mid_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    ckpt.save(str(tmp_path), {'model/w': np.zeros(3)}, {'step': 1})

    def torn_write(f, **arrays):  # writes part of a file, then the process "dies"
        f.write(b'PK\x03\x04 half a zip file')
        raise OSError('disk full')

    monkeypatch.setattr(np, 'savez', torn_write)
    with pytest.raises(OSError, match='disk full'):
        ckpt.save(str(tmp_path), {'model/w': np.ones(3)}, {'step': 2})
    monkeypatch.undo()
    arrays, meta = ckpt.load(str(tmp_path))
    assert meta['step'] == 1 and np.array_equal(arrays['model/w'], np.zeros(3))
    assert not os.path.exists(tmp_path / 'checkpoint.npz.tmp')

    # a process killed before the rename leaves only a stray temporary file behind: still the old one
    (tmp_path / 'checkpoint.npz.tmp').write_bytes(b'garbage')
    assert ckpt.load(str(tmp_path))[1]['step'] == 1
    ckpt.save(str(tmp_path), {'model/w': np.ones(3)}, {'step': 3})
    assert ckpt.load(str(tmp_path))[1]['step'] == 3
