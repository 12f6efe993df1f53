"""framework.cuda: availability and seeding of the GPU path (CuPy), importable without CuPy."""
from .. import _device


def is_available():
    return _device.cupy_module() is not None


def device_count():
    cp = _device.cupy_module()
    return cp.cuda.runtime.getDeviceCount() if cp is not None else 0


def current_device():
    cp = _device.cupy_module()
    return cp.cuda.runtime.getDevice() if cp is not None else 0


def manual_seed(seed):
    cp = _device.cupy_module()
    if cp is not None:
        cp.random.seed(int(seed) % 2 ** 32)


manual_seed_all = manual_seed


def synchronize(device=None):
    cp = _device.cupy_module()
    if cp is not None:
        cp.cuda.Stream.null.synchronize()
