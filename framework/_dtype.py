"""dtype objects and PyTorch's type-promotion rules.

Each framework dtype wraps one NumPy dtype. Promotion follows PyTorch, not NumPy: categories
bool < integer < floating, and a 0-dim tensor or a Python scalar only changes the result's dtype
when it belongs to a higher category (then the default dtype of that category is used for a
Python scalar). So `float32 tensor * 2.5` stays float32 and `int tensor / int tensor` is float32.
"""
import numpy as np


# PyTorch names dtypes three ways in its messages: as ScalarTypes ('Float'), as legacy tensor types
# ('torch.FloatTensor') and as C++ types ('float'). Keys are NumPy dtype names.
SCALAR_NAMES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16', 'int64': 'Long',
                'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}
C_NAMES = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'bfloat16': 'c10::BFloat16',
           'int64': 'long int', 'int32': 'int', 'int16': 'short int', 'int8': 'signed char', 'uint8': 'unsigned char',
           'bool': 'bool'}


def _np_name(d):
    return d if isinstance(d, str) else d.np.name if isinstance(d, dtype) else np.dtype(d).name


def scalar_name(d):
    """'Float' for float32: a NumPy dtype, its name, or a framework dtype."""
    n = _np_name(d)
    return SCALAR_NAMES.get(n, n)


def c_name(d):
    """'float' for float32, as PyTorch's C++ messages say it."""
    n = _np_name(d)
    return C_NAMES.get(n, n)


def tensor_type_name(d):
    """'FloatTensor' for float32, the legacy type name PyTorch prints in some messages."""
    n = _np_name(d)
    return SCALAR_NAMES[n] + 'Tensor' if n in SCALAR_NAMES else 'Tensor'


class dtype:
    __slots__ = ('name', 'np', 'is_floating_point', 'is_signed', 'itemsize', 'category')

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category          # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = self.np.kind in 'if'
        self.itemsize = self.np.itemsize

    def __repr__(self):
        return 'framework.' + self.name

    def __reduce__(self):
        return (to_dtype, (self.name,))


bool_ = dtype('bool', np.bool_, 0)
uint8 = dtype('uint8', np.uint8, 1)
int8 = dtype('int8', np.int8, 1)
int16 = dtype('int16', np.int16, 1)
int32 = dtype('int32', np.int32, 1)
int64 = dtype('int64', np.int64, 1)
float16 = dtype('float16', np.float16, 2)
float32 = dtype('float32', np.float32, 2)
float64 = dtype('float64', np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
FROM_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(float=float32, double=float64, half=float16, long=int64, int=int32, short=int16)
_PY_TYPES = {float: float64, int: int64, bool: bool_}

_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f'only floating-point types are supported as the default type, got {d}')
    _default[0] = d


def to_dtype(d):
    """Accept a framework dtype, a NumPy dtype, a Python type (float -> float64, as PyTorch) or a name."""
    if d.__class__ is dtype:
        return d
    if isinstance(d, str):
        found = _BY_NAME.get(d.replace('framework.', '').replace('torch.', ''))
        if found is None:
            raise TypeError(f'unknown dtype: {d!r}')
        return found
    if d in _PY_TYPES:
        return _PY_TYPES[d]
    try:
        return FROM_NP[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f'unsupported dtype: {d!r}') from None


def of(array):
    """The framework dtype of an array (NumPy or CuPy)."""
    return FROM_NP[array.dtype]


def promote_types(a, b):
    """Promotion of two dtypes of the same tier (both dimensioned tensors, say)."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    return FROM_NP[np.promote_types(a.np, b.np)]


def result_type(*operands):
    """PyTorch's three-tier rule over tensors (with `.ndim` and `.dtype`) and Python scalars."""
    dim = zero = None
    scalar_cat = -1
    for x in operands:
        if hasattr(x, '_data'):
            d, nd = of(x._data), x._data.ndim
        elif isinstance(x, (bool, int, float)):
            scalar_cat = max(scalar_cat, 0 if isinstance(x, bool) else 1 if isinstance(x, int) else 2)
            continue
        elif isinstance(x, (np.ndarray, np.generic)) or hasattr(x, '__cuda_array_interface__'):
            d, nd = FROM_NP[x.dtype], x.ndim
        else:
            continue
        if nd:
            dim = d if dim is None else promote_types(dim, d)
        else:
            zero = d if zero is None else promote_types(zero, d)
    out = dim
    if zero is not None and (out is None or zero.category > out.category):
        out = zero
    if scalar_cat >= 0 and (out is None or scalar_cat > out.category):
        out = (bool_, int64, get_default_dtype())[scalar_cat]
    return out
