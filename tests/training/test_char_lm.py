"""The text data kind, CharLM (LSTM and causal transformer) and configs/char_lm.yaml through the trainer."""
import os

import numpy as np
import pytest

import framework
from framework.models import CharLM
from framework.training.config import ConfigError
from framework.training.data import text
from .helpers import ROOT, config_path
from .test_trainer import quiet_train


def test_text_windows_and_targets(tmp_path):
    f = tmp_path / 't.txt'
    f.write_text('# a licence header\n# dropped\nabcdefghij', encoding='utf-8')
    d = text(None, path=str(f), seq_len=3)
    assert d.x.dtype == np.int64 and d.y.dtype == np.int64
    # 10 bytes: (10 - 1) // 3 = 3 windows, each target the next byte
    assert d.x.tolist() == [[97, 98, 99], [100, 101, 102], [103, 104, 105]]
    assert d.y.tolist() == [[98, 99, 100], [101, 102, 103], [104, 105, 106]]
    assert d.info['prompt'] == 'We the People'
    with pytest.raises(ConfigError, match='data.params.path: file not found: nope.txt'):
        text(None, path='nope.txt')
    with pytest.raises(ConfigError, match='data.params.seq_len: 8 leaves fewer than 2 windows'):
        text(None, path=str(f), seq_len=8)
    shipped = text(None)
    assert shipped.x.shape[1] == 64 and shipped.x.max() < 128 and len(shipped) > 400
    with open(os.path.join(ROOT, 'data', 'us_constitution.txt'), encoding='utf-8') as fh:
        assert 'public domain' in fh.read(1000)


@pytest.mark.parametrize('arch', ['lstm', 'transformer'])
def test_char_lm_shapes_causality_and_generation(arch):
    framework.manual_seed(0)
    m = CharLM(arch=arch, d_model=16, num_layers=2, nhead=2, dim_feedforward=32)
    x = framework.tensor(np.random.default_rng(0).integers(0, 128, (2, 7)))
    out = m(x)
    assert tuple(out.shape) == (2, 128, 7)
    # causal: changing the last character changes no earlier position's logits
    x2 = x.clone()
    x2[:, -1] = (x[:, -1] + 1) % 128
    out2 = m(x2)
    np.testing.assert_allclose(out2[:, :, :-1].detach().numpy(), out[:, :, :-1].detach().numpy(), atol=1e-6)
    assert not np.allclose(out2[:, :, -1].detach().numpy(), out[:, :, -1].detach().numpy())
    s = m.generate('We', length=10, seed=1)
    assert s.startswith('We') and len(s.encode('utf-8', errors='replace')) >= 2
    assert s == m.generate('We', length=10, seed=1) and m.training
    if arch == 'lstm':     # carrying the state one step at a time gives the full-sequence logits
        logits, state = m._logits(x[:, :4])
        step, _ = m._logits(x[:, 4:5], state)
        full, _ = m._logits(x[:, :5])
        np.testing.assert_allclose(step[:, 0].detach().numpy(), full[:, 4].detach().numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="arch should be 'lstm' or 'transformer', not 'gru'"):
        CharLM(arch='gru')


@pytest.mark.parametrize('arch', ['lstm', 'transformer'])
def test_char_lm_config_trains_and_prints_a_sample(arch, tmp_path):
    over = ['train.epochs=null', 'train.steps=12', 'train.log_every=4', 'model.kwargs.d_model=32',
            'model.kwargs.num_layers=1', 'data.params.seq_len=32', 'data.params.sample_length=20',
            'optimizer.lr=0.01', f'model.kwargs.arch={arch}']
    from io import StringIO
    out = StringIO()
    r = quiet_train(config_path('char_lm'), over, tmp_path, out=out)
    losses = [row['loss'] for row in r.history]
    # from about ln(128) = 4.85 (uniform) down by at least a third in 12 steps
    assert losses[0] < 4.9 and losses[-1] < 0.67 * 4.85
    assert r.history[-1]['val_loss'] < 3.5
    assert r.sample.startswith('We the People') and len(r.sample) >= len('We the People') + 10
    from framework.training.report import report_lines
    assert 'sample:' in report_lines(r)


def test_hand_written_example_runs():
    import re
    import subprocess
    import sys
    r = subprocess.run([sys.executable, os.path.join(ROOT, 'examples', 'char_lm.py'), '--epochs', '1'],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    first, sample = r.stdout.split('\n', 1)
    m = re.fullmatch(r'framework lstm: train loss ([\d.]+), val loss ([\d.]+), 1 epochs in [\d.]+ s', first)
    assert m and float(m.group(2)) < 4.0
    assert sample.startswith('We the People')
