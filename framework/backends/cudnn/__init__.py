"""framework.backends.cudnn: PyTorch's switches for the cuDNN kernels that convolution, pooling and
batch_norm use on CuPy arrays (framework/ops/_cudnn.py).

The flags are plain module attributes, read at each call, so `framework.backends.cudnn.enabled = False`
sends the next op to the im2col/strided-slice kernels, as PyTorch's flag sends it to its native ones.
`benchmark` is cupyx.cudnn's `auto_tune` (time the algorithms once per shape, keep the fastest);
`deterministic` asks cuDNN for deterministic backward algorithms; `allow_tf32=False` keeps float32
convolutions off cuDNN on GPUs with TF32 (compute capability 8.0 and later), because cupyx.cudnn lets
cuDNN pick TF32 math there and offers no way to forbid it.
"""
import contextlib

enabled = True
benchmark = False
benchmark_limit = 10            # PyTorch's; cupyx.cudnn's auto-tuner has no limit to set
deterministic = False
allow_tf32 = True


def is_available():
    """True when CuPy sees a GPU and its cuDNN bindings (cupy.cuda.cudnn, cupyx.cudnn) load. CuPy 14 removed
    them: there, and wherever libcudnn is missing, the ops run their own CuPy kernels."""
    from ...ops import _cudnn
    return _cudnn.library() is not None


def version():
    """cuDNN's version number (e.g. 8907), None when it is not available."""
    from ...ops import _cudnn
    lib = _cudnn.library()
    return None if lib is None else int(lib[0].getVersion())


def is_acceptable(tensor):
    """Whether the ops would take the cuDNN path for this tensor."""
    from ...ops import _cudnn
    return _cudnn.wanted(tensor._data)


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False, allow_tf32=True):
    """Set the flags inside a with block, the old values back after it (PyTorch's defaults for the arguments)."""
    g = globals()
    names = ('enabled', 'benchmark', 'benchmark_limit', 'deterministic', 'allow_tf32')
    old = {n: g[n] for n in names}
    g.update(enabled=enabled, benchmark=benchmark, benchmark_limit=benchmark_limit, deterministic=deterministic,
             allow_tf32=allow_tf32)
    try:
        yield
    finally:
        g.update(old)
