"""DataLoader workers on a CUDA run: workers build host batches (they never touch the device a forked
process must not use), the main process moves them; the same run as with in-process loading."""
import os

import numpy as np
import pytest

from framework.training import train

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
pytestmark = pytest.mark.skipif(not hasattr(os, 'fork'), reason='worker runs use the fork start method')


def _quiet(overrides, tmp):
    return train(os.path.join(ROOT, 'configs', 'classify.yaml'), overrides=list(overrides) + [f'output.dir={tmp}'],
                 progress=False, out=open(os.devnull, 'w'))


def test_config_run_on_cuda_with_workers_matches_in_process_loading(cuda, tmp_path):
    over = ['device=cuda', 'train.epochs=2', 'train.log_every=10']
    ref = _quiet(over, tmp_path / 'w0')
    got = _quiet(over + ['train.num_workers=2', 'train.persistent_workers=true'], tmp_path / 'w2')
    assert all(p.is_cuda for p in got.model.parameters())
    assert got.history == ref.history
    for p, q in zip(got.model.parameters(), ref.model.parameters()):
        np.testing.assert_array_equal(p.detach().cpu().numpy(), q.detach().cpu().numpy())
