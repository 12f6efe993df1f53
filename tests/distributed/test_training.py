"""`mpiexec -n 2 python train.py --config ...`: the same final parameters as one process on the same
global batches; resume with another number of ranks; only rank 0 writes."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from framework.training import train
from .helpers import ROOT, run_mpi

MLP = os.path.join(ROOT, 'configs', 'mlp.yaml')


def _model(run_dir):
    with np.load(os.path.join(run_dir, 'checkpoint.npz')) as f:
        return {k: f[k] for k in f.files if k.startswith('model/')}


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6, err_msg=k)


def _single(tmp_path, *overrides, name='single'):
    return train(MLP, overrides=[f'output.dir={tmp_path}', f'output.name={name}', 'output.plot=false', *overrides],
                 progress=False, report=False)


def _mpi_train(tmp_path, *args, n=2):
    r = run_mpi([os.path.join(ROOT, 'train.py'), *args, 'output.plot=false', f'output.dir={tmp_path}'], n=n,
                cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return r


def test_two_ranks_match_one_process(tmp_path):
    one = _single(tmp_path)
    r = _mpi_train(tmp_path, '--config', MLP, '--no-progress', 'output.name=dp', 'output.export=pt')
    _same(_model(one.run_dir), _model(tmp_path / 'dp'))
    import framework
    exported = framework.load(str(tmp_path / 'dp' / 'model.pt'))       # the plain model's keys, not DDP's
    assert list(exported) == list(one.model.state_dict())
    assert sorted(os.listdir(tmp_path)) == ['dp', 'single']          # rank 1 made no run directory of its own
    assert r.stdout.count('run directory:') == 1                     # one report, from rank 0
    assert 'processes: 2 (mpi), data-parallel' in r.stdout
    with open(tmp_path / 'dp' / 'report.json') as f:
        assert json.load(f)['world_size'] == 2
    logged = (tmp_path / 'dp' / 'metrics.csv').read_text().splitlines()
    ref = (tmp_path / 'single' / 'metrics.csv').read_text().splitlines()
    assert logged[0] == ref[0] and len(logged) == len(ref)
    for a, b in zip(logged[1:], ref[1:]):                           # the loss of the global batch is logged
        np.testing.assert_allclose([float(v) for v in a.split(',')], [float(v) for v in b.split(',')], rtol=1e-5)


def test_uneven_split_and_per_rank_batches(tmp_path):
    # 30 samples in batches of 7: ranks take 4 and 3 rows (the last batch 1 and 1), losses weighted to match
    one = _single(tmp_path, 'train.batch_size=7', 'train.epochs=10', name='single7')
    _mpi_train(tmp_path, '--config', MLP, 'output.name=dp7', 'train.batch_size=7', 'train.epochs=10')
    _same(_model(one.run_dir), _model(tmp_path / 'dp7'))
    # per_rank: 5 rows on each of 2 ranks is the single process's batch of 10
    one = _single(tmp_path, 'train.epochs=10', name='single10')
    _mpi_train(tmp_path, '--config', MLP, 'output.name=dp5', 'train.batch_size=5', 'train.epochs=10',
               'distributed.batch_size=per_rank')
    _same(_model(one.run_dir), _model(tmp_path / 'dp5'))


def test_resume_on_another_number_of_ranks(tmp_path):
    whole = _single(tmp_path, 'train.checkpoint_every=30', name='whole')
    part = train(
        MLP, overrides=[f'output.dir={tmp_path}', 'output.name=part', 'output.plot=false'], progress=False,
        report=False, stop_after=60)
    assert part.steps == 60
    _mpi_train(tmp_path, '--resume', str(part.run_dir), '--no-progress')
    _same(_model(whole.run_dir), _model(part.run_dir))


def test_several_processes_without_mpi4py_is_one_line_and_exit_2(tmp_path):
    code = ("import sys; sys.modules['mpi4py'] = None; sys.argv = ['train.py'] + sys.argv[1:]; "
            "from framework.training import main; sys.exit(main())")
    env = dict(os.environ, PMI_SIZE='2', PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, '-c', code, '--config', MLP, f'output.dir={tmp_path}'], capture_output=True,
                       text=True, env=env, cwd=tmp_path, timeout=60)
    assert r.returncode == 2
    assert r.stderr == ('train.py: error: train.py was started as several processes but mpi4py is not installed: '
                        'pip install -e ".[distributed]"\n')
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize('backend', ['nccl'])
def test_nccl_on_cpu_device_is_a_config_error(tmp_path, backend):
    pytest.importorskip('mpi4py')
    r = _run_expect_fail(tmp_path, f'distributed.backend={backend}')
    assert r.returncode == 2 and "distributed.backend: 'nccl' carries CUDA tensors" in r.stderr


def _run_expect_fail(tmp_path, *overrides):
    return run_mpi([os.path.join(ROOT, 'train.py'), '--config', MLP, f'output.dir={tmp_path}', *overrides], n=2,
                   cwd=tmp_path)


def test_ctrl_c_stops_every_rank_after_the_same_step(tmp_path):
    import signal
    import time
    from .helpers import mpiexec
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1')
    p = subprocess.Popen([mpiexec(), '-n', '2', sys.executable, os.path.join(ROOT, 'train.py'), '--config', MLP,
                          '--no-progress', f'output.dir={tmp_path}', 'output.name=sig', 'train.epochs=100000',
                          'train.log_every=30', 'distributed.timeout=60', 'output.plot=false'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    metrics = tmp_path / 'sig' / 'metrics.csv'
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not metrics.exists() or len(metrics.read_text().splitlines()) < 3):
        time.sleep(0.2)
    p.send_signal(signal.SIGINT)                 # mpiexec hands Ctrl-C to every rank
    out, err = p.communicate(timeout=40)         # well before the 60 s collective timeout
    assert p.returncode == 130, out + err
    import re
    from framework.training import checkpoint
    saved = int(re.search(r'interrupted: checkpoint saved at step (\d+)', err).group(1))
    _, meta = checkpoint.load(str(tmp_path / 'sig'))
    assert meta['step'] == saved > 0


def test_torchrun_style_launch_without_mpiexec_is_one_line_and_exit_2(tmp_path):
    pytest.importorskip('mpi4py')
    env = dict(os.environ, WORLD_SIZE='2', RANK='0', LOCAL_RANK='0', PYTHONPATH=str(ROOT))
    for k in ('PMI_SIZE', 'PMI_RANK', 'OMPI_COMM_WORLD_SIZE'):
        env.pop(k, None)
    r = subprocess.run([sys.executable, os.path.join(ROOT, 'train.py'), '--config', MLP, f'output.dir={tmp_path}'],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr == ('train.py: error: world_size is 2 but MPI sees one process: framework.distributed starts its '
                        'processes with mpiexec, e.g. `mpiexec -n 2 python ...`\n')


def test_nccl_backend_in_the_training_loop_on_fake_cupy(tmp_path):
    """device: cuda picks nccl: gradients, logged losses and the stop flag go through NCCL's calls."""
    one = _single(tmp_path, 'train.epochs=10', name='cpu')
    r = run_mpi([os.path.join(ROOT, 'tests', 'distributed', 'scripts', 'nccl_train.py'), tmp_path], timeout=120)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert 'OK nccl_train rank=0 steps=30' in r.stdout and 'OK nccl_train rank=1 steps=30' in r.stdout
    _same(_model(one.run_dir), _model(tmp_path / 'gpu'))
