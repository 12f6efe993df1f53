"""The `cuda` fixture: real CuPy on a machine with a GPU, else the fake device of fakecupy.py.

Either way the test body is the same: it makes tensors with device='cuda' and checks results
against the CPU. With the fake, `transfers()` counts host copies made so far.
"""
import sys

import pytest

from framework import _device
from . import fakecupy


def _real_cupy():
    try:
        import cupy
        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:
        return None


REAL = _real_cupy()


class Backend:
    def __init__(self, xp, fake):
        self.xp, self.fake = xp, fake

    def transfers(self):
        return fakecupy.transfers[0] if self.fake else None


@pytest.fixture
def cuda(monkeypatch):
    if REAL is not None:
        monkeypatch.setattr(_device, '_cupy', REAL)
        yield Backend(REAL, fake=False)
        return
    monkeypatch.setattr(_device, '_cupy', fakecupy)
    monkeypatch.setitem(sys.modules, 'cupyx', fakecupy.cupyx)
    fakecupy.transfers[0] = 0
    yield Backend(fakecupy, fake=True)
