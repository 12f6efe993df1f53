"""framework.save / framework.load: PyTorch's checkpoint file format, and safetensors.

A `.pt` file is a zip archive: ``archive/data.pkl`` is a pickle (protocol 2) of the object in which
every tensor is a call to ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)``, and
each storage is a persistent id ``('storage', torch.FloatStorage, key, location, numel)`` whose bytes
are the record ``archive/data/<key>``. Writing uses the very global names PyTorch's loader allows with
``weights_only=True``, produced by stand-ins so this module never imports torch; tensors that view
one array are written as one storage with their offsets and strides, as PyTorch does, and come back
sharing memory.

Loading never runs code from the file: a restricted unpickler resolves only the globals needed to
rebuild tensors and containers; every other global is refused by name before anything is called.
"""
import collections
import io
import os
import pickle
import secrets
import struct
import sys
import zipfile
import zlib

import numpy as np

from . import _dtype, _device
from ._tensor import Tensor, Size, wrap

__all__ = ['save', 'load']

# torch's storage class names for each dtype (the second element of a storage's persistent id)
_STORAGE_NAMES = {'float32': 'FloatStorage', 'float64': 'DoubleStorage', 'float16': 'HalfStorage',
                  'int64': 'LongStorage', 'int32': 'IntStorage', 'int16': 'ShortStorage', 'int8': 'CharStorage',
                  'uint8': 'ByteStorage', 'bool': 'BoolStorage'}
_STORAGE_DTYPES = {name: _dtype.to_dtype(dt) for dt, name in _STORAGE_NAMES.items()}
_STORAGE_DTYPES['UntypedStorage'] = _dtype.uint8
# dtypes PyTorch has and framework does not: named in the error instead of "unsupported global"
_FOREIGN_STORAGES = {'BFloat16Storage': 'bfloat16', 'ComplexFloatStorage': 'complex64',
                     'ComplexDoubleStorage': 'complex128', 'QInt8Storage': 'qint8', 'QUInt8Storage': 'quint8',
                     'QInt32Storage': 'qint32'}
_FOREIGN_DTYPES = ('bfloat16', 'complex32', 'complex64', 'complex128', 'cfloat', 'cdouble', 'qint8', 'quint8',
                   'qint32', 'float8_e4m3fn', 'float8_e5m2', 'uint16', 'uint32', 'uint64')
_TORCH_DTYPE_NAMES = {'float32': 'float32', 'float64': 'float64', 'float16': 'float16', 'int64': 'int64',
                      'int32': 'int32', 'int16': 'int16', 'int8': 'int8', 'uint8': 'uint8', 'bool': 'bool'}

_ALIGNMENT = 64          # torch aligns each storage record's data to 64 bytes (mmap-able)
_FILE_VERSION = b'3'
_ARCHIVE = 'archive'


# ---------------------------------------------------------------------------------------------- writing
class _Global:
    """Something the pickle names as ``module.name`` without this module importing it."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):
        # pickle wants a callable in a reduce tuple; on loading, the restricted unpickler maps the name instead
        raise TypeError(f'{self.module}.{self.name} is only a name written into a file')

    def __repr__(self):
        return f'{self.module}.{self.name}'


_REBUILD_TENSOR = _Global('torch._utils', '_rebuild_tensor_v2')
_REBUILD_PARAMETER = _Global('torch._utils', '_rebuild_parameter')
_TORCH_SIZE = _Global('torch', 'Size')
_TORCH_DEVICE = _Global('torch', 'device')
_STORAGE_GLOBALS = {dt: _Global('torch', name) for dt, name in _STORAGE_NAMES.items()}
_DTYPE_GLOBALS = {dt: _Global('torch', name) for dt, name in _TORCH_DTYPE_NAMES.items()}
# what framework.load (and torch.load(weights_only=True)) can read back; anything else is refused on save
_PLAIN = (type(None), bool, int, float, complex, str, bytes, bytearray, list, tuple, dict, set,
          collections.OrderedDict)


class _StorageRecord:
    """One storage of the archive: the bytes of an array (host copy) that one or more tensors view."""
    __slots__ = ('key', 'dtype', 'data', 'location', 'numel')

    def __init__(self, key, dtype, data, location):
        self.key, self.dtype, self.data, self.location = key, dtype, data, location
        self.numel = data.size


class _TensorData:
    """The plain tensor inside a Parameter (PyTorch pickles the data without requires_grad)."""
    __slots__ = ('tensor',)

    def __init__(self, tensor):
        self.tensor = tensor


def _root(arr):
    """The array that owns the memory `arr` views (following ``.base`` through arrays of its module)."""
    cls = arr.__class__
    while True:
        base = arr.base
        if base is not None and base.__class__ is not cls and base.__class__.__name__ == 'DummyArray':
            base = base.base                # as_strided's holder (a writable expand view) of the real base
        if base.__class__ is not cls:       # not into an np.memmap (or other subclass) under a plain array
            return arr
        arr = base


def _ptr(arr):
    return arr.__array_interface__['data'][0] if arr.__class__ is np.ndarray else arr.data.ptr


class _Pickler(pickle._Pickler):
    """Protocol-2 pickler writing torch's globals for framework's tensors, dtypes, devices and Size."""

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.records = {}           # id(root array) -> _StorageRecord
        self._roots = {}            # id(root array) -> root (kept alive so ids stay unique)

    def persistent_id(self, obj):
        if obj.__class__ is _StorageRecord:
            return ('storage', _STORAGE_GLOBALS[obj.dtype.name], obj.key, obj.location, obj.numel)
        return None

    def save_global(self, obj, name=None):
        if obj.__class__ is _Global:
            module, name = obj.module, obj.name
        else:
            module, name = obj.__module__, name or obj.__qualname__
        if module == 'builtins':
            module = '__builtin__'          # protocol 2 spells it the Python 2 way, as torch's files do
        self.write(pickle.GLOBAL + module.encode('utf-8') + b'\n' + name.encode('utf-8') + b'\n')
        self.memoize(obj)

    def save(self, obj, save_persistent_id=True):
        if obj.__class__ is _dtype.dtype:
            obj = _DTYPE_GLOBALS[obj.name]      # torch.float32 is stored as the bare global, not a call
        elif isinstance(obj, np.generic):
            obj = obj.item()     # a NumPy scalar (an lr computed with NumPy, say) as the Python number it holds
        super().save(obj, save_persistent_id)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[_Global] = save_global

    def reducer_override(self, obj):
        cls = obj.__class__
        if cls is _TensorData:
            return self._tensor_reduce(obj.tensor, False)
        if isinstance(obj, Tensor):
            if _is_parameter(obj):
                return (_REBUILD_PARAMETER, (_TensorData(obj), obj._rg, collections.OrderedDict()))
            return self._tensor_reduce(obj, obj._rg)
        if cls is Size:
            return (_TORCH_SIZE, (tuple(obj),))
        if cls is _device.device:
            return (_TORCH_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        if cls in _PLAIN or cls is _Global or cls is _StorageRecord:
            return NotImplemented
        if callable(obj) and obj in (collections.OrderedDict, set, bytearray, complex):
            return NotImplemented
        if getattr(obj, '__module__', None) == '_codecs':
            return NotImplemented
        raise pickle.PicklingError(
            f'framework.save writes only what torch.load(weights_only=True) and framework.load can read back '
            f'(tensors, Size, dtypes, devices, numbers, strings, bytes and lists/tuples/dicts/sets of them); '
            f'got a {cls.__module__}.{cls.__qualname__}')

    def _tensor_reduce(self, t, requires_grad):
        record, offset, stride = self._storage_of(t._data)
        return (_REBUILD_TENSOR, (record, offset, tuple(t._data.shape), stride, bool(requires_grad),
                                  collections.OrderedDict()))

    def _storage_of(self, arr):
        """(record, element offset, element strides) of arr, sharing one record among views of one array."""
        location = 'cpu' if arr.__class__ is np.ndarray else f'cuda:{arr.device.id}'
        root = _root(arr)
        item = arr.itemsize
        offset = _ptr(arr) - _ptr(root)
        shareable = (arr.size > 0 and root.dtype == arr.dtype and (root.flags.c_contiguous or root.flags.f_contiguous)
                     and offset % item == 0 and all(s >= 0 and s % item == 0 for s in arr.strides))
        if not shareable:
            root = arr.copy()        # its own contiguous storage, as torch.save of a fresh tensor
            offset = 0
        record = self.records.get(id(root))
        if record is None:
            host = root if root.__class__ is np.ndarray else root.get()
            flat = host.ravel(order='K')
            record = _StorageRecord(str(len(self.records)), _dtype.of(root), flat, location)
            self.records[id(root)] = record
            self._roots[id(root)] = root
        if not shareable:
            strides = tuple(s // item for s in root.strides)
        else:
            strides = tuple(s // item for s in arr.strides)
        return record, offset // item, strides


def _is_parameter(t):
    from .nn.parameter import Parameter
    return isinstance(t, Parameter)


def _write_archive(obj, f):
    buf = io.BytesIO()
    pickler = _Pickler(buf)
    pickler.dump(obj)
    with zipfile.ZipFile(f, 'w', zipfile.ZIP_STORED) as zf:
        zf.writestr(_info('data.pkl'), buf.getvalue())
        zf.writestr(_info('.format_version'), b'1')
        zf.writestr(_info('.storage_alignment'), str(_ALIGNMENT).encode())
        zf.writestr(_info('byteorder'), sys.byteorder.encode())
        for record in pickler.records.values():
            data = record.data
            if data.dtype.byteorder == '>':
                data = data.astype(data.dtype.newbyteorder('<'))
            _write_aligned(zf, f'data/{record.key}', memoryview(np.ascontiguousarray(data).view(np.uint8)))
        zf.writestr(_info('version'), _FILE_VERSION + b'\n')
        zf.writestr(_info('.data/serialization_id'), ''.join(str(secrets.randbelow(10)) for _ in range(40)).encode())


def _info(name):
    info = zipfile.ZipInfo(f'{_ARCHIVE}/{name}', date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    return info


def _write_aligned(zf, name, data):
    """Store a record whose data starts at a multiple of 64 bytes, padding the local header as torch does."""
    info = _info(name)
    zip64 = len(data) * 1.05 > zipfile.ZIP64_LIMIT
    start = zf.fp.tell() + 30 + len(info.filename.encode('utf-8')) + (20 if zip64 else 0) + 4
    pad = -start % _ALIGNMENT
    info.extra = b'FB' + struct.pack('<H', pad) + b'Z' * pad
    info.file_size = len(data)
    with zf.open(info, 'w', force_zip64=zip64) as out:
        out.write(data)


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True, *, format=None):
    """Write obj to f (a path or a binary file) in PyTorch's format, or as safetensors.

    format: None picks safetensors for a path ending in ``.safetensors`` and PyTorch's zip otherwise;
    'pt' or 'safetensors' chooses explicitly. A path is written through a temporary file and renamed,
    so an interrupted save leaves any previous file whole.
    """
    if pickle_module is not None or pickle_protocol != 2 or not _use_new_zipfile_serialization:
        raise ValueError('framework.save writes only PyTorch\'s zip format with pickle protocol 2 '
                         '(pickle_module, pickle_protocol and _use_new_zipfile_serialization cannot be changed)')
    fmt = _format_of(f, format)
    if fmt == 'safetensors':
        data = _safetensors_bytes(obj)
        write = (lambda out: out.write(data))
    else:
        def write(out):
            _write_archive(obj, out)
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        tmp = f'{path}.tmp{os.getpid()}'
        try:
            with open(tmp, 'wb') as out:
                write(out)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    else:
        write(f)


def _format_of(f, format):
    if format is not None:
        if format not in ('pt', 'safetensors'):
            raise ValueError(f"format must be 'pt' or 'safetensors', got {format!r}")
        return format
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, 'name', '')
    return 'safetensors' if isinstance(name, str) and name.endswith('.safetensors') else 'pt'


# ---------------------------------------------------------------------------------------------- reading
class _Storage:
    """A loaded storage: a flat array on the target device that tensors view."""
    __slots__ = ('array',)

    def __init__(self, array):
        self.array = array


class _StorageType:
    __slots__ = ('dtype',)

    def __init__(self, dtype):
        self.dtype = dtype


class _ForeignStorageType:
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name


def _view(storage, storage_offset, size, stride):
    arr = storage.array
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise ValueError(f'a tensor of size {list(size)} with stride {list(stride)}')
    item = arr.itemsize
    needed = storage_offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if storage_offset < 0 or needed > arr.size:
        raise ValueError(f'a tensor of size {list(size)}, stride {list(stride)} at offset {storage_offset} '
                         f'does not fit its storage of {arr.size} elements')
    if not all(size):
        return arr[:0].reshape(size)
    xp = _device.xp_of(arr)
    if xp is np:
        return np.ndarray(size, arr.dtype, buffer=arr, offset=storage_offset * item,
                          strides=tuple(s * item for s in stride))
    return xp.lib.stride_tricks.as_strided(arr[storage_offset:], size, tuple(s * item for s in stride))


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    t = wrap(_view(storage, storage_offset, size, stride))
    if requires_grad:
        t.requires_grad = True
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return wrap(_view(storage, storage_offset, size, stride))


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    for k, v in (state or {}).items():
        if isinstance(k, str) and not k.startswith('_'):
            setattr(p, k, v)
    return p


def _rebuild_from_type_v2(func, new_type, args, state):
    ret = func(*args)
    if new_type is _PARAMETER_TYPE and not _is_parameter(ret):
        ret = _rebuild_parameter(ret, ret.requires_grad, None)
    return ret


_PARAMETER_TYPE = _Global('torch.nn.parameter', 'Parameter')
_TENSOR_TYPE = _Global('torch', 'Tensor')


def _encode(obj, encoding='utf-8'):
    import codecs
    if not isinstance(obj, str) or encoding not in ('latin1', 'latin-1', 'utf-8', 'utf8', 'ascii'):
        raise pickle.UnpicklingError('_codecs.encode is allowed only to rebuild bytes from a string')
    return codecs.encode(obj, encoding)


def _torch_device(type, index=None):
    return _device.device(type, index)


def _allowed_globals():
    g = {
        ('collections', 'OrderedDict'): collections.OrderedDict,
        ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor_v2,
        ('torch._utils', '_rebuild_tensor'): _rebuild_tensor,
        ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
        ('torch._utils', '_rebuild_parameter_with_state'): _rebuild_parameter_with_state,
        ('torch._tensor', '_rebuild_from_type_v2'): _rebuild_from_type_v2,
        ('torch.nn.parameter', 'Parameter'): _PARAMETER_TYPE,
        ('torch', 'Tensor'): _TENSOR_TYPE,
        ('torch', 'Size'): Size,
        ('torch', 'device'): _torch_device,
        ('_codecs', 'encode'): _encode,
        ('builtins', 'set'): set,
        ('builtins', 'frozenset'): frozenset,
        ('builtins', 'bytearray'): bytearray,
        ('builtins', 'complex'): complex,
    }
    for name, dt in _STORAGE_DTYPES.items():
        g[('torch', name)] = _StorageType(dt)
    for name in _FOREIGN_STORAGES:
        g[('torch', name)] = _ForeignStorageType(name)
    for dt, name in _TORCH_DTYPE_NAMES.items():
        g[('torch', name)] = _dtype.to_dtype(dt)
    for alias, dt in (('float', 'float32'), ('double', 'float64'), ('half', 'float16'), ('long', 'int64'),
                      ('int', 'int32'), ('short', 'int16')):
        g[('torch', alias)] = _dtype.to_dtype(dt)
    return g


_ALLOWED = _allowed_globals()


class _Unpickler(pickle._Unpickler):
    """Rebuilds tensors and containers only; names and refuses any other global before calling anything."""

    def __init__(self, file, name, load_storage):
        super().__init__(file)
        self._name = name
        self._load_storage = load_storage
        self._storages = {}

    def find_class(self, module, name):
        if module == '__builtin__':
            module = 'builtins'
        found = _ALLOWED.get((module, name))
        if found is None:
            if module == 'torch' and name in _FOREIGN_DTYPES:
                raise pickle.UnpicklingError(f'{self._name}: torch.{name} has no framework dtype '
                                             f'(convert it in PyTorch first, e.g. tensor.float())')
            raise pickle.UnpicklingError(
                f'{self._name}: weights only load failed: unsupported global {module}.{name}; framework.load '
                'rebuilds tensors and containers only and never runs code from a file')
        return found

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == 'storage'):
            raise pickle.UnpicklingError(f'{self._name}: unexpected persistent id {pid!r}')
        _, storage_type, key, location, numel = pid
        if isinstance(storage_type, _ForeignStorageType):
            raise pickle.UnpicklingError(f'{self._name}: torch.{_FOREIGN_STORAGES[storage_type.name]} has no '
                                         'framework dtype (convert it in PyTorch first, e.g. tensor.float())')
        if not isinstance(storage_type, _StorageType) or not isinstance(key, str):
            raise pickle.UnpicklingError(f'{self._name}: malformed storage reference {pid!r}')
        storage = self._storages.get(key)
        if storage is None:
            storage = self._storages[key] = _Storage(self._load_storage(key, storage_type.dtype, int(numel),
                                                                        str(location)))
        return storage

    def load_global(self):
        module, name = self.readline(), self.readline()
        if not module.endswith(b'\n') or not name.endswith(b'\n'):
            raise EOFError('the pickle ends inside a global name')
        self.append(self.find_class(module[:-1].decode('utf-8'), name[:-1].decode('utf-8')))

    def load_build(self):
        # BUILD sets attributes: allowed only on an OrderedDict (state_dict()._metadata), never on other objects
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is not collections.OrderedDict or not isinstance(state, dict):
            raise pickle.UnpicklingError(f'{self._name}: weights only load failed: BUILD on a '
                                         f'{type(inst).__name__} is not allowed')
        for k, v in state.items():
            if not isinstance(k, str) or k.startswith('__'):
                raise pickle.UnpicklingError(f'{self._name}: weights only load failed: attribute {k!r}')
            inst.__dict__[k] = v

    def load_reduce(self):
        args = self.stack.pop()
        func = self.stack[-1]
        if func is _PARAMETER_TYPE or func is _TENSOR_TYPE or isinstance(func, (_StorageType, _ForeignStorageType,
                                                                                 _dtype.dtype)):
            raise pickle.UnpicklingError(f'{self._name}: weights only load failed: cannot call {func!r}')
        self.stack[-1] = func(*args)

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        if cls not in (collections.OrderedDict, set, frozenset, bytearray, complex, Size):
            raise pickle.UnpicklingError(f'{self._name}: weights only load failed: cannot create {cls!r}')
        self.append(cls.__new__(cls, *args))

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        if kwargs or cls not in (collections.OrderedDict, set, frozenset, bytearray, complex, Size):
            raise pickle.UnpicklingError(f'{self._name}: weights only load failed: cannot create {cls!r}')
        self.append(cls.__new__(cls, *args))

    def load_inst(self):
        raise pickle.UnpicklingError(f'{self._name}: weights only load failed: INST opcode is not allowed')

    def load_obj(self):
        raise pickle.UnpicklingError(f'{self._name}: weights only load failed: OBJ opcode is not allowed')

    def load_ext(self, *_):
        raise pickle.UnpicklingError(f'{self._name}: weights only load failed: EXT opcodes are not allowed')

    dispatch = dict(pickle._Unpickler.dispatch)
    dispatch[pickle.GLOBAL[0]] = load_global
    dispatch[pickle.BUILD[0]] = load_build
    dispatch[pickle.REDUCE[0]] = load_reduce
    dispatch[pickle.NEWOBJ[0]] = load_newobj
    dispatch[pickle.NEWOBJ_EX[0]] = load_newobj_ex
    dispatch[pickle.INST[0]] = load_inst
    dispatch[pickle.OBJ[0]] = load_obj
    for _op in (pickle.EXT1, pickle.EXT2, pickle.EXT4):
        dispatch[_op[0]] = load_ext
    del _op


def _target(location, map_location):
    """The device a storage saved at `location` goes to, following torch.load's map_location rules."""
    if map_location is None:
        dev = _device.device(location)
        if dev.type == 'cuda' and _device.cupy_module() is None:
            raise RuntimeError('Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is '
                               'False. If you are running on a CPU-only machine, please use torch.load with '
                               "map_location=torch.device('cpu') to map your storages to the CPU.")
        return dev
    if isinstance(map_location, dict):
        return _target(map_location.get(location, location), None)
    return _device.to_device(map_location)


class _Damaged(Exception):
    pass


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, format=None):
    """Read what torch.save or framework.save wrote (or a .safetensors file) without executing anything.

    mmap=True maps the storages from the file (copy-on-write, as torch's default MAP_PRIVATE) instead of
    reading them into memory; only storages that stay on the CPU are mapped.

    weights_only=False is refused: framework does not load arbitrary pickles. A damaged file raises
    RuntimeError naming the file and what is wrong; a file asking for any global outside tensors and
    containers raises pickle.UnpicklingError naming that global.
    """
    if weights_only is False:
        raise pickle.UnpicklingError('framework.load(weights_only=False) is not supported: framework loads only '
                                     'tensors and containers, never arbitrary pickles (they can run any code). '
                                     'Use weights_only=True, the default.')
    if pickle_module is not None:
        raise ValueError('framework.load: pickle_module cannot be changed (loading is always restricted)')
    if map_location is not None and not isinstance(map_location, (str, dict, _device.device)):
        raise TypeError('framework.load: map_location must be None, a device, a string or a dict of location strings, '
                        f'got {type(map_location).__name__}')
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, 'name', repr(f))
    if _format_of(f, format) == 'safetensors':
        if isinstance(f, (str, os.PathLike)):
            try:
                with open(f, 'rb') as fh:
                    data = fh.read()
            except FileNotFoundError:
                raise FileNotFoundError(f"[Errno 2] No such file or directory: '{name}'") from None
        else:
            data = f.read()
        return _safetensors_load(data, name, map_location)
    if isinstance(f, (str, os.PathLike)):
        try:
            with open(f, 'rb') as fh:
                return _load_archive(fh, name, map_location, name if mmap else None)
        except FileNotFoundError:
            raise FileNotFoundError(f"[Errno 2] No such file or directory: '{name}'") from None
    if mmap:
        raise ValueError('f must be a file path in order to use the mmap argument')
    return _load_archive(f, name, map_location, None)


def _data_start(zf, record):
    """Where a stored (uncompressed) record's bytes begin in the archive file, or None if it is compressed."""
    info = zf.getinfo(record)
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    zf.fp.seek(info.header_offset)
    head = zf.fp.read(30)
    if len(head) != 30 or head[:4] != b'PK\x03\x04':
        raise _Damaged(f'the local header of {record} is damaged')
    name_len, extra_len = struct.unpack('<HH', head[26:30])
    return info.header_offset + 30 + name_len + extra_len


def _read_storage(zf, record, dt, numel):
    """A stored record read straight into a new array (one copy), its CRC checked; None if compressed."""
    start = _data_start(zf, record)
    if start is None:
        return None
    arr = np.empty(numel, dt.np)
    view = memoryview(arr.view(np.uint8))
    zf.fp.seek(start)
    got = zf.fp.readinto(view) if hasattr(zf.fp, 'readinto') else None
    if got is None:
        return None
    if got != arr.nbytes:
        raise _Damaged(f'the storage record {record} is cut short ({got} of {arr.nbytes} bytes)')
    if zlib.crc32(view) != zf.getinfo(record).CRC:
        raise _Damaged(f'the storage record {record} does not match its checksum (CRC-32)')
    return arr


def _load_archive(fh, name, map_location, mmap_path):
    head = fh.read(4)
    fh.seek(-len(head), 1)
    if head[:2] == b'\x80\x02' or head[:1] == b'\x80':
        raise RuntimeError(f'{name}: this is a legacy (pre-1.6, non-zip) PyTorch file; framework reads only the zip '
                           'format: re-save it in PyTorch with torch.save(obj, path)')
    try:
        zf = zipfile.ZipFile(fh)
    except zipfile.BadZipFile as e:
        what = 'empty file' if not head else f'not a zip archive or cut short ({e})'
        raise RuntimeError(f'{name}: damaged or not a PyTorch file: {what}') from None
    with zf:
        names = zf.namelist()
        pkl = [n for n in names if n.endswith('/data.pkl') and n.count('/') == 1]
        if len(pkl) != 1:
            raise RuntimeError(f'{name}: damaged or not a PyTorch file: no <archive>/data.pkl record')
        prefix = pkl[0][:-len('data.pkl')]
        byteorder = 'little'
        if prefix + 'byteorder' in names:
            byteorder = _read(zf, name, prefix + 'byteorder').decode('ascii', 'replace')
            if byteorder not in ('little', 'big'):
                raise RuntimeError(f'{name}: unknown byteorder {byteorder!r}')

        def load_storage(key, dt, numel, location):
            record = f'{prefix}data/{key}'
            if record not in names:
                raise _Damaged(f'the storage record {record} is missing')
            want = numel * dt.itemsize
            size = zf.getinfo(record).file_size
            if size != want:
                raise _Damaged(f'the storage record {record} has {size} bytes, expected {want}')
            dev = _target(location, map_location)
            native = byteorder == sys.byteorder
            if mmap_path is not None and dev.type == 'cpu' and native and numel:
                start = _data_start(zf, record)
                if start is not None:
                    if start + size > os.path.getsize(mmap_path):
                        raise _Damaged(f'the storage record {record} runs past the end of the file')
                    arr = np.memmap(mmap_path, dtype=dt.np, mode='c', offset=start, shape=(numel,))
                    return arr.view(np.ndarray)     # tensors hold plain arrays (the class tells CPU from GPU)
            arr = _read_storage(zf, record, dt, numel) if native and numel else None
            if arr is not None:
                return _device.move(arr, dev) if dev.type != 'cpu' else arr
            raw = _read(zf, name, record)
            arr = np.frombuffer(bytearray(raw), dtype=dt.np.newbyteorder('<' if byteorder == 'little' else '>'))
            if arr.dtype != dt.np:
                arr = arr.astype(dt.np)
            return _device.move(arr, dev) if dev.type != 'cpu' else arr

        data = _read(zf, name, pkl[0])
        try:
            return _Unpickler(io.BytesIO(data), name, load_storage).load()
        except pickle.UnpicklingError:
            raise
        except _Damaged as e:
            raise RuntimeError(f'{name}: damaged file: {e}') from None
        except (EOFError, IndexError, KeyError, ValueError, TypeError, struct.error, AttributeError) as e:
            raise RuntimeError(f'{name}: damaged file: its data.pkl could not be read ({type(e).__name__}: {e})') \
                from None


def _read(zf, name, record):
    try:
        return zf.read(record)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise RuntimeError(f'{name}: damaged file: record {record} cannot be read ({e})') from None
    except Exception as e:   # zlib.error and friends from a corrupted compressed record
        raise RuntimeError(f'{name}: damaged file: record {record} cannot be read ({type(e).__name__}: {e})') \
            from None


# ---------------------------------------------------------------------------------------------- safetensors
_EXTRA = 'pip install -e ".[safetensors]"'
# safetensors dtype codes NumPy holds directly; BF16 is widened to float32 (exactly) on loading
_ST_DTYPES = {'F64': np.float64, 'F32': np.float32, 'F16': np.float16, 'I64': np.int64, 'I32': np.int32,
              'I16': np.int16, 'I8': np.int8, 'U8': np.uint8, 'BOOL': np.bool_}


def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError:
        raise ModuleNotFoundError(f'.safetensors files need the safetensors package: {_EXTRA}') from None
    return safetensors.numpy


def _safetensors_bytes(obj):
    """A flat dict of named tensors as safetensors bytes (metadata format=pt, as PyTorch's writers put it)."""
    if not isinstance(obj, dict) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in obj.items()):
        raise TypeError('a .safetensors file holds a flat dict of str -> Tensor (a state_dict); got '
                        f'{type(obj).__name__}' + ('' if not isinstance(obj, dict) else ' with other keys or values'))
    st = _safetensors_numpy()
    arrays = {}
    for k, v in obj.items():
        arr = v._data if v._data.__class__ is np.ndarray else v._data.get()
        arrays[k] = np.ascontiguousarray(arr)
    return st.save(arrays, metadata={'format': 'pt'})


def _safetensors_header(data, name):
    import json
    if len(data) < 8:
        raise RuntimeError(f'{name}: damaged safetensors file: {len(data)} bytes, shorter than its header length')
    n = struct.unpack('<Q', data[:8])[0]
    if 8 + n > len(data):
        raise RuntimeError(f'{name}: damaged safetensors file: its header says {n} bytes, the file has '
                           f'{len(data) - 8} after the length (cut short?)')
    try:
        header = json.loads(data[8:8 + n])
    except ValueError as e:
        raise RuntimeError(f'{name}: damaged safetensors file: its header is not JSON ({e})') from None
    if not isinstance(header, dict):
        raise RuntimeError(f'{name}: damaged safetensors file: its header is not a mapping')
    header.pop('__metadata__', None)
    body = len(data) - 8 - n
    for k, info in header.items():
        try:
            start, end = info['data_offsets']
            dt, shape = info['dtype'], [int(s) for s in info['shape']]
        except (TypeError, KeyError, ValueError):
            raise RuntimeError(f'{name}: damaged safetensors file: bad header entry for {k!r}') from None
        if not 0 <= start <= end <= body:
            raise RuntimeError(f'{name}: damaged safetensors file: the data of {k!r} ends at byte {end}, the file '
                               f'holds {body} (cut short?)')
        if dt != 'BF16' and dt not in _ST_DTYPES:
            raise RuntimeError(f'{name}: {k!r} has dtype {dt}, which framework has no dtype for')
        want = int(np.prod(shape)) * (2 if dt == 'BF16' else np.dtype(_ST_DTYPES[dt]).itemsize)
        if end - start != want:
            raise RuntimeError(f'{name}: damaged safetensors file: {k!r} of shape {shape} has {end - start} bytes, '
                               f'expected {want}')
    return header, 8 + n


def _safetensors_load(data, name, map_location):
    header, base = _safetensors_header(data, name)
    if any(info['dtype'] == 'BF16' for info in header.values()):
        arrays = {}
        for k, info in header.items():       # NumPy cannot hold bf16: decode by hand, widening BF16 exactly
            start, end = info['data_offsets']
            raw = data[base + start:base + end]
            if info['dtype'] == 'BF16':
                arr = (np.frombuffer(raw, '<u2').astype(np.uint32) << 16).view(np.float32)
            else:
                arr = np.frombuffer(raw, np.dtype(_ST_DTYPES[info['dtype']]).newbyteorder('<')).astype(
                    _ST_DTYPES[info['dtype']])
            arrays[k] = arr.reshape(info['shape'])
    else:
        st = _safetensors_numpy()
        try:
            arrays = st.load(bytes(data))
        except Exception as e:   # safetensors' own error type: a damaged file
            raise RuntimeError(f'{name}: damaged safetensors file: {e}') from None
        arrays = {k: arrays[k] for k in header}
    out = {}
    for k, arr in arrays.items():
        dev = _target('cpu', map_location)
        arr = np.array(arr)          # writable, owning its memory
        out[k] = wrap(_device.move(arr, dev) if dev.type != 'cpu' else arr)
    return out
