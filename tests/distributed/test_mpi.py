"""framework.distributed and DistributedDataParallel through real `mpiexec -n 2` runs.

One launch runs every correctness check (scripts/ddp_checks.py), so the suite pays MPI's start-up
once; each test below asserts on its own line of that run's output.
"""
import re
import time

import pytest

from .helpers import run_mpi, script

CHECKS = ['collectives', 'construction', 'equivalence', 'no_sync', 'find_unused_parameters', 'unused_error',
          'shape_check', 'cnn', 'batchnorm_buffers', 'sampler', 'done']


@pytest.fixture(scope='module')
def checks():
    r = run_mpi([script('ddp_checks.py')], timeout=120)
    return r


@pytest.mark.parametrize('name', CHECKS)
def test_ddp_checks_on_two_ranks(checks, name):
    passed = set(re.findall(r'OK (\w+) rank=(\d)', checks.stdout))
    assert {(name, '0'), (name, '1')} <= passed, checks.stdout[-3000:] + checks.stderr[-3000:]


def test_ddp_checks_exit_zero(checks):
    assert checks.returncode == 0, checks.stderr[-3000:]


@pytest.mark.parametrize('mode', ['late', 'hang', 'stop', 'raise', 'kill'])
def test_a_failed_rank_ends_the_job_within_the_timeout(tmp_path, mode):
    timeout = 3.0
    start = time.monotonic()
    r = run_mpi([script('fault.py'), mode, timeout, tmp_path], timeout=60)
    took = time.monotonic() - start
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert 'rank 0 finished' not in out
    assert took < 30, took                       # start-up + the timeout + the verdict, not forever
    if mode == 'hang':
        assert re.search(r'\[rank 0\] framework\.distributed: all_reduce \(collective #\d+\) did not complete within '
                         r'3 s: rank 1 has not joined it', out), out
    elif mode == 'late':
        # rank 0 waits in MPI's start-up (faulthandler's watchdog ends it) or, once MPI is up, in the group's
        # first collective (the group's own watchdog)
        assert ('Timeout (0:00:03)!' in out and 'import_mpi_within' in out) or (
            '[rank 0] framework.distributed: init_process_group did not complete within 3 s: some of the 2 ranks '
            'did not call it. Aborting all 2 ranks.') in out, out
        assert not (tmp_path / 'step.txt').exists()
        return
    elif mode == 'stop':
        assert re.search(r'\[rank 0\] framework\.distributed: all_reduce \(collective #\d+\) did not complete within '
                         r'3 s: rank 1 (did not answer \(it died or is stuck\)|has not joined it)', out), out
    elif mode == 'raise':
        assert 'RuntimeError: a failure on rank 1' in out
        assert '[rank 1] framework.distributed: rank 1 failed with RuntimeError; aborting all 2 ranks.' in out
    # rank 0's last checkpoint is whole (an abort may leave a .tmp beside it, never a half-written file)
    assert (tmp_path / 'step.txt').read_text() in {f'{k}\n' for k in range(4)}


@pytest.fixture(scope='module')
def nccl_checks():
    return run_mpi([script('nccl_checks.py')], timeout=120)


@pytest.mark.parametrize('name', ['bootstrap', 'collectives', 'ddp', 'done'])
def test_nccl_backend_call_sequence_on_fake_cupy(nccl_checks, name):
    passed = set(re.findall(r'OK (\w+) rank=(\d)', nccl_checks.stdout))
    assert {(name, '0'), (name, '1')} <= passed, nccl_checks.stdout[-3000:] + nccl_checks.stderr[-3000:]
    assert nccl_checks.returncode == 0


def test_exit_without_destroy_process_group_is_clean(tmp_path):
    r = run_mpi([script('fault.py'), 'none', 30, tmp_path], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'rank 0 finished' in r.stdout and 'rank 1 finished' in r.stdout
    assert (tmp_path / 'step.txt').read_text() == '4\n'
