"""Launching `mpiexec -n N python script` from pytest; skipped, with the reason, when MPI is missing."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).resolve().parent / 'scripts'


def mpiexec():
    """The mpiexec next to this Python (the `mpich` wheel puts it in the venv's bin/), else on PATH."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        pytest.skip('mpi4py is not installed: pip install -e ".[distributed]"')
    here = Path(sys.executable).parent / 'mpiexec'
    exe = str(here) if here.exists() else shutil.which('mpiexec')
    if exe is None:
        pytest.skip('mpiexec not found: pip install -e ".[distributed]" (the mpich wheel provides it)')
    return exe


def run_mpi(args, n=2, timeout=90, cwd=None, env=None):
    """Run `mpiexec -n n python *args`; returns the CompletedProcess (stdout and stderr as text)."""
    exe = mpiexec()
    full_env = dict(os.environ)
    full_env.update({'PYTHONPATH': str(ROOT) + os.pathsep + full_env.get('PYTHONPATH', ''),
                     'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1',
                     'PYTHONUNBUFFERED': '1'})
    for k in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        full_env.pop(k, None)
    full_env.update(env or {})
    return subprocess.run([exe, '-n', str(n), sys.executable, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd or ROOT, env=full_env)


def script(name):
    return SCRIPTS / name
