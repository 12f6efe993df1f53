"""Damaged run files: one line naming the file and what is wrong (exit 2), the previous checkpoint kept,
and --resume RUN --from-previous continuing from it."""
import os
import subprocess
import sys

import numpy as np
import pytest

from framework.training import main, checkpoint as ckpt
from .helpers import config_path, ROOT

BASE = ['--no-progress', 'train.steps=40', 'train.log_every=10', 'train.checkpoint_every=10', 'output.plot=false',
        'output.name=run']


def _run(tmp_path, *extra):
    code = main(['--config', config_path('sin_cubic_fast'), f'output.dir={tmp_path}', *BASE, *extra])
    assert code == 0
    return str(tmp_path / 'run')


def _one_line_error(capsys):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and 'Traceback' not in err, err
    return err


def test_previous_checkpoint_is_kept(tmp_path):
    run = _run(tmp_path)
    assert ckpt.load(run)[1]['step'] == 40
    assert ckpt.load(os.path.join(run, ckpt.PREVIOUS))[1]['step'] == 30
    assert os.path.exists(os.path.join(run, 'checkpoint.prev.json'))


@pytest.mark.parametrize('keep', [0, 100, 0.5, -30])
def test_cut_checkpoint_says_which_file_and_how(tmp_path, capsys, keep):
    run = _run(tmp_path)
    path = os.path.join(run, ckpt.CHECKPOINT)
    data = open(path, 'rb').read()
    cut = int(len(data) * keep) if isinstance(keep, float) else (keep if keep >= 0 else len(data) + keep)
    with open(path, 'wb') as f:
        f.write(data[:cut])
    capsys.readouterr()
    assert main(['--resume', run, '--no-progress', 'train.steps=50']) == 2
    err = _one_line_error(capsys)
    assert f'{path} is damaged' in err
    assert ('it is empty' if cut == 0 else 'not a complete zip archive (cut short') in err
    assert 'step 30) is whole' in err and f'--resume {run} --from-previous' in err


def test_from_previous_continues_and_matches_an_uninterrupted_run(tmp_path, capsys):
    full = _run(tmp_path / 'a', 'train.steps=50')
    run = _run(tmp_path / 'b')
    path = os.path.join(run, ckpt.CHECKPOINT)
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    assert main(['--resume', run, '--from-previous', '--no-progress', 'train.steps=50']) == 0
    assert os.path.exists(os.path.join(run, ckpt.SET_ASIDE))        # the damaged file, kept for inspection
    a, meta = ckpt.load(full)
    b, meta_b = ckpt.load(run)
    assert meta_b['step'] == meta['step'] == 50
    for k in a:
        if k.startswith('model/'):
            np.testing.assert_array_equal(a[k], b[k])             # resume is bit-exact from step 30
    # and the rotation goes on from there: the previous one is now step 40 of this continuation
    assert ckpt.load(os.path.join(run, ckpt.PREVIOUS))[1]['step'] == 40


def test_from_previous_without_one(tmp_path, capsys):
    run = _run(tmp_path, 'train.checkpoint_every=null')
    assert not os.path.exists(os.path.join(run, ckpt.PREVIOUS))
    open(os.path.join(run, ckpt.CHECKPOINT), 'wb').close()
    capsys.readouterr()
    assert main(['--resume', run, '--no-progress']) == 2
    assert 'no whole previous checkpoint' in _one_line_error(capsys)
    assert main(['--resume', run, '--from-previous', '--no-progress']) == 2
    assert 'there is no previous checkpoint' in _one_line_error(capsys)


def test_missing_checkpoint_points_at_the_previous(tmp_path, capsys):
    run = _run(tmp_path)
    os.remove(os.path.join(run, ckpt.CHECKPOINT))        # a crash between the two renames of a save
    capsys.readouterr()
    assert main(['--resume', run, '--no-progress']) == 2
    err = _one_line_error(capsys)
    assert 'no checkpoint.npz' in err and '--from-previous' in err


def test_corrupted_bytes_in_checkpoint(tmp_path, capsys):
    run = _run(tmp_path)
    path = os.path.join(run, ckpt.CHECKPOINT)
    data = bytearray(open(path, 'rb').read())
    data[200] ^= 0xFF
    open(path, 'wb').write(bytes(data))
    capsys.readouterr()
    assert main(['--resume', run, '--no-progress']) == 2
    assert f'{path} is damaged' in _one_line_error(capsys)


def test_damaged_checkpoint_json_is_a_warning(tmp_path, capsys):
    run = _run(tmp_path)
    path = os.path.join(run, 'checkpoint.json')
    text = open(path).read()
    open(path, 'w').write(text[:len(text) // 2])
    capsys.readouterr()
    assert main(['--resume', run, '--no-progress', 'train.steps=50']) == 0
    err = capsys.readouterr().err
    assert f'warning: {path} is damaged' in err and 'rewritten at the next checkpoint' in err
    assert ckpt.load(run)[1]['step'] == 50 and open(path).read().startswith('{')


@pytest.mark.parametrize('damage', ['cut', 'empty', 'bad yaml', 'bad value'])
def test_damaged_config_yaml(tmp_path, capsys, damage):
    run = _run(tmp_path)
    path = os.path.join(run, 'config.yaml')
    text = open(path).read()
    new = {'cut': text[:len(text) // 2], 'empty': '',
           'bad yaml': 'train: [unclosed\n' + text, 'bad value': text.replace('steps: 40', 'steps: -3')}[damage]
    open(path, 'w').write(new)
    capsys.readouterr()
    assert main(['--resume', run, '--no-progress']) == 2
    err = _one_line_error(capsys)
    assert f'{path} is damaged' in err
    assert {'cut': 'cut short', 'empty': 'empty', 'bad yaml': 'invalid YAML',
            'bad value': 'train.steps'}[damage] in err


def test_subprocess_exit_2_without_traceback(tmp_path):
    run = _run(tmp_path)
    path = os.path.join(run, ckpt.CHECKPOINT)
    data = open(path, 'rb').read()
    open(path, 'wb').write(data[:len(data) // 3])
    p = subprocess.run([sys.executable, os.path.join(ROOT, 'train.py'), '--resume', run, '--no-progress'],
                       capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2 and 'Traceback' not in p.stderr and 'is damaged' in p.stderr
