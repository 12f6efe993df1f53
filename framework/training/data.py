"""Data for config runs: built-in generators and .npz / .npy / .csv loaders, all returning NumPy arrays.

Generators draw from their own NumPy generator seeded by the config's seed, so the data does not
depend on (or disturb) framework's global generator that initialises the model.

With ``data.mmap`` the features of an .npy directory or an uncompressed .npz stay on disk, memory
mapped (``MmapFeatures``): a batch reads only its rows, so a data set larger than the RAM trains
with flat resident memory. The targets (one value per sample) are read into memory.
"""
import csv
import inspect
import math
import mmap
import os
import zipfile

import numpy as np

from .config import ConfigError, show, is_number, is_int


class Data:
    """Features ``x`` (float32; (N, features), or (N, C, H, W) images as they are) and targets ``y``;
    ``info`` carries what the report needs."""

    def __init__(self, x, y, info=None):
        self.x, self.y, self.info = x, y, info or {}

    def __len__(self):
        return len(self.x)


def torch_linspace(start, end, steps):
    """float32 linspace computed as PyTorch's CPU kernel does (first half counts up from start, second
    half down from end, one fused multiply-add each, emulated in float64), so values match it bit for bit."""
    start, end = np.float32(start), np.float32(end)
    if steps == 1:
        return np.array([start], np.float32)
    step = (end - start) / np.float32(steps - 1)
    i = np.arange(steps, dtype=np.float64)
    up = np.float64(start) + np.float64(step) * i
    down = np.float64(end) - np.float64(step) * (steps - 1 - i)
    return np.where(i < steps // 2, up, down).astype(np.float32)


def sin_cubic(rng, n=2000, low=-math.pi, high=math.pi, degree=3):
    """Seed 004: x = linspace(low, high, n), features x, x², ..., x^degree, target sin(x)."""
    x = torch_linspace(low, high, n)
    x64 = x.astype(np.float64)
    # powers and sin in float64, rounded once: the powers as PyTorch's pow gives them (NumPy's float32
    # power is not correctly rounded on every CPU), sin closest to PyTorch's (which is within one ulp)
    powers = (x64[:, None] ** np.arange(1, degree + 1)).astype(np.float32)
    return Data(powers, np.sin(x64).astype(np.float32), {'polynomial': degree})


def random(rng, n_samples=30, n_features=8, n_targets=4):
    """Seed 002's fake data set: standard-normal features and standard-normal targets."""
    x = rng.standard_normal((n_samples, n_features)).astype(np.float32)
    y = rng.standard_normal((n_samples, n_targets)).astype(np.float32)
    return Data(x, y)


def spirals(rng, n_samples=1500, n_classes=3, noise=0.4, turns=1.5):
    """Interleaved 2-D spirals, one arm per class (not linearly separable): radius r in [0.05, 1], angle
    class offset + 2 pi turns r + noise * N(0, 1), so the arms overlap more the larger the noise."""
    per = n_samples // n_classes
    xs, ys = [], []
    for c in range(n_classes):
        r = np.linspace(0.05, 1.0, per)
        t = c * 2 * math.pi / n_classes + r * turns * 2 * math.pi + rng.standard_normal(per) * noise
        xs.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        ys.append(np.full(per, c))
    return Data(np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.int64))


def blobs(rng, n_samples=600, n_features=2, n_classes=3, spread=1.0):
    """Gaussian blobs around random centres in [-5, 5]^n_features; integer class labels."""
    centres = rng.uniform(-5, 5, (n_classes, n_features))
    y = np.arange(n_samples) % n_classes
    x = centres[y] + rng.standard_normal((n_samples, n_features)) * spread
    return Data(x.astype(np.float32), y.astype(np.int64))


def text(rng, path='data/us_constitution.txt', seq_len=64, prompt='We the People', sample_length=300):
    """Character windows of a text file for a language model: x (N, seq_len) int64 byte codes of the
    UTF-8 text (a vocabulary of at most 256, 128 for ASCII), y the next byte at each position (int64),
    windows not overlapping, so a held-out window shares no target with a training one. Leading lines
    starting with '#' (a licence header) are dropped. prompt and sample_length say what the run
    generates at the end (models with a `generate` method, e.g. framework.models.CharLM)."""
    full = path if os.path.isabs(path) or os.path.isfile(path) else os.path.join(_REPO, path)
    if not os.path.isfile(full):
        raise ConfigError(f'data.params.path: file not found: {path}')
    with open(full, encoding='utf-8') as f:
        lines = f.read().splitlines(keepends=True)
    while lines and lines[0].startswith('#'):
        lines.pop(0)
    codes = np.frombuffer(''.join(lines).encode('utf-8'), dtype=np.uint8).astype(np.int64)
    n = (len(codes) - 1) // seq_len
    if n < 2:
        raise ConfigError(f'data.params.seq_len: {seq_len} leaves fewer than 2 windows in {path} '
                          f'({len(codes)} bytes)')
    x = codes[:n * seq_len].reshape(n, seq_len)
    y = codes[1:n * seq_len + 1].reshape(n, seq_len)
    return Data(x, y, {'text': path, 'prompt': prompt, 'sample_length': sample_length})


_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def digits(rng):
    """scikit-learn's handwritten digits (1,797 real 8x8 grey images, 10 classes, shipped inside
    scikit-learn: nothing is downloaded) as (N, 1, 8, 8) float32 in [0, 1] and int64 labels."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ConfigError('data.name: digits needs scikit-learn: pip install -e ".[data]"') from None
    d = load_digits()
    x = (d.images[:, None] / 16.0).astype(np.float32)
    return Data(x, d.target.astype(np.int64), {'images': '1x8x8'})


GENERATORS = {'sin_cubic': sin_cubic, 'random': random, 'spirals': spirals, 'blobs': blobs, 'digits': digits,
              'text': text}
FILE_FORMATS = ('npz', 'npy', 'csv')
MMAP_FORMATS = ('npz', 'npy')


class MmapFeatures:
    """The float32 feature matrix of memory-mapped arrays (each flattened per sample, side by side), read
    a batch of rows at a time. ``rows`` selects and orders the samples (a split) without reading them.

    Pages a batch touched stay mapped into the process and count as its resident memory until the
    kernel needs them back; after every ``release_bytes`` read they are dropped from this process's
    mapping (MADV_DONTNEED: the page cache keeps them, a second read costs no disk access), so the
    resident memory stays flat however large the file."""

    release_bytes = 64 << 20

    def __init__(self, arrays, rows=None):
        self.arrays = [a.reshape(len(a), -1) for a in arrays]
        self.rows = rows
        n = len(self.arrays[0]) if rows is None else len(rows)
        self.shape = (n, sum(a.shape[1] for a in self.arrays))
        self.dtype = np.dtype(np.float32)
        self.ndim = 2
        self._read = 0

    def __len__(self):
        return self.shape[0]

    def subset(self, rows):
        rows = np.asarray(rows, dtype=np.int64)
        return MmapFeatures(self.arrays, rows if self.rows is None else self.rows[rows])

    def __getitem__(self, key):
        if isinstance(key, slice):
            rows = key if self.rows is None else self.rows[key]
        else:
            key = np.asarray(key, dtype=np.int64)
            rows = key if self.rows is None else self.rows[key]
        cols = [a[rows] for a in self.arrays]
        out = cols[0].astype(np.float32, copy=cols[0].dtype != np.float32) if len(cols) == 1 else \
            np.concatenate([c.astype(np.float32, copy=False) for c in cols], 1)
        if not out.flags.owndata and out.base is not None:
            out = out.copy()                   # a slice is a view of the mapping: copy it out
        out = out.view(np.ndarray)             # not an np.memmap: it has no file behind it
        self._read += out.nbytes
        if self._read >= self.release_bytes:
            self._read = 0
            self.release()
        return out

    def release(self):
        for a in self.arrays:
            m = _mapping(a)
            if m is not None and hasattr(m, 'madvise') and hasattr(mmap, 'MADV_DONTNEED'):
                m.madvise(mmap.MADV_DONTNEED)

    def advise(self, random):
        """Tell the kernel how batches will read: in shuffled order (MADV_RANDOM: a page fault reads that
        page, not the 128 KiB around it, 30x faster for scattered rows) or in file order (MADV_NORMAL)."""
        flag = getattr(mmap, 'MADV_RANDOM' if random else 'MADV_NORMAL', None)
        for a in self.arrays:
            m = _mapping(a)
            if m is not None and flag is not None and hasattr(m, 'madvise'):
                m.madvise(flag)

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)


def _mapping(arr):
    """The mmap.mmap under a np.memmap (or a view of one)."""
    while arr is not None:
        m = getattr(arr, '_mmap', None)
        if m is not None:
            return m
        arr = arr.base if isinstance(arr, np.ndarray) else None
    return None


def is_mapped(x):
    return isinstance(x, MmapFeatures)


class ArrayDataset:
    """Samples i of features ``x`` (an array or MmapFeatures) and targets ``y``, for a DataLoader whose
    collate_fn is ``batch_to_tensors``: ``__getitems__`` reads a whole batch with one gather."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[[i]][0], self.y[i]

    def __getitems__(self, indices):
        idx = np.asarray(indices, dtype=np.int64)
        return self.x[idx], self.y[idx]


def batch_to_tensors(batch):
    """collate_fn for ArrayDataset: the (features, targets) arrays of a batch as tensors."""
    from .. import tensor
    x, y = batch
    return tensor(x), tensor(y)


def _memmap_npz_member(path, name):
    """An array of an uncompressed .npz, memory mapped where it lies inside the zip file."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(name + '.npy')
    if info.compress_type != zipfile.ZIP_STORED:
        raise ConfigError(f"data.mmap: array {name!r} in {path} is compressed (np.savez_compressed); memory "
                          'mapping needs an uncompressed .npz (np.savez) or .npy files')
    with open(path, 'rb') as f:
        f.seek(info.header_offset)
        local = f.read(30)
        start = info.header_offset + 30 + int.from_bytes(local[26:28], 'little') + \
            int.from_bytes(local[28:30], 'little')
        f.seek(start)
        version = np.lib.format.read_magic(f)
        shape, fortran, dtype = (np.lib.format.read_array_header_1_0(f) if version == (1, 0)
                                 else np.lib.format.read_array_header_2_0(f))
        offset = f.tell()
    if dtype.hasobject:
        raise ConfigError(f'data.path: array {name!r} in {path} holds Python objects; cannot memory map it')
    return np.memmap(path, dtype=dtype, mode='r', offset=offset, shape=shape, order='F' if fortran else 'C')


def _load_arrays_mmap(kind, path, features, target):
    """(MmapFeatures, targets in memory) for an .npy directory or an uncompressed .npz."""
    names = features or ['x']
    if kind == 'npz':
        try:
            with zipfile.ZipFile(path) as z:
                present = [n[:-4] for n in z.namelist() if n.endswith('.npy')]
        except (OSError, zipfile.BadZipFile) as e:
            raise ConfigError(f'data.path: cannot read {path} as .npz: {e}') from None
        for i, k in enumerate(names + [target]):
            if k not in present:
                where = f'data.features[{i}]' if i < len(names) else 'data.target'
                raise ConfigError(f"{where}: no array {k!r} in {path} (arrays: {', '.join(present) or 'none'})")
        arrays = {k: _memmap_npz_member(path, k) for k in names + [target]}
    else:
        arrays = {k: _open_npy(path, k, i, len(names), 'r') for i, k in enumerate(names + [target])}
    _check_lengths(path, [arrays[k] for k in names], arrays[target])
    return MmapFeatures([arrays[k] for k in names]), np.array(arrays[target])


def _npy_file(path, name):
    return os.path.join(path, name if name.endswith('.npy') else name + '.npy')


def _open_npy(path, name, i, n_features, mmap_mode=None):
    f = _npy_file(path, name)
    if not os.path.isfile(f):
        where = f'data.features[{i}]' if i < n_features else 'data.target'
        have = sorted(n[:-4] for n in os.listdir(path) if n.endswith('.npy'))
        raise ConfigError(f"{where}: no file {os.path.basename(f)!r} in {path} (arrays: {', '.join(have) or 'none'})")
    try:
        return np.load(f, mmap_mode=mmap_mode, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise ConfigError(f'data.path: cannot read {f} as .npy: {e}') from None


def _check_lengths(path, cols, y):
    n = {len(c) for c in cols} | {len(y)}
    if len(n) != 1:
        raise ConfigError(f'data: arrays in {path} have different lengths: {sorted(n)}')


def _load_npy(path, features, target):
    names = features or ['x']
    arrays = [_open_npy(path, k, i, len(names)) for i, k in enumerate(names + [target])]
    cols, y = arrays[:-1], arrays[-1]
    _check_lengths(path, cols, y)
    if len(cols) == 1 and cols[0].ndim > 2:
        return cols[0].astype(np.float32), y        # images keep their (N, C, H, W) shape, as with npz
    return np.concatenate([c.reshape(len(c), -1) for c in cols], 1).astype(np.float32), y


def generator_params(fn):
    return {k: p.default for k, p in list(inspect.signature(fn).parameters.items())[1:]}


def _check_params(name, params):
    defaults = generator_params(GENERATORS[name])
    out = dict(defaults)
    for k, v in params.items():
        if k not in defaults:
            raise ConfigError(f"data.params.{k}: unknown parameter of generator {name!r}; valid: "
                              f"{', '.join(defaults)}")
        d = defaults[k]
        if isinstance(d, int) and not is_int(v):
            raise ConfigError(f'data.params.{k}: expected an integer, got {show(v)}')
        if isinstance(d, float) and not is_number(v):
            raise ConfigError(f'data.params.{k}: expected a number, got {show(v)}')
        if isinstance(d, int) and v < 1:
            raise ConfigError(f'data.params.{k}: expected a positive integer, got {show(v)}')
        out[k] = v
    return out


def _load_npz(path, features, target):
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
    except (OSError, ValueError) as e:
        raise ConfigError(f'data.path: cannot read {path} as .npz: {e}') from None
    names = features or ['x']
    for i, k in enumerate(names + [target]):
        if k not in arrays:
            where = f'data.features[{i}]' if i < len(names) else 'data.target'
            raise ConfigError(f"{where}: no array {k!r} in {path} (arrays: {', '.join(arrays) or 'none'})")
    n = {len(arrays[k]) for k in names} | {len(arrays[target])}
    if len(n) != 1:
        raise ConfigError(f'data: arrays in {path} have different lengths: {sorted(n)}')
    if len(names) == 1 and arrays[names[0]].ndim > 2:
        return arrays[names[0]].astype(np.float32), arrays[target]      # images keep their (N, C, H, W) shape
    cols = [arrays[k].reshape(len(arrays[k]), -1) for k in names]
    return np.concatenate(cols, 1).astype(np.float32), arrays[target]


def _load_csv(path, features, target):
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ConfigError(f'data.path: {path} is empty')
    header, body = [h.strip() for h in rows[0]], [r for r in rows[1:] if r]
    names = features if features is not None else [h for h in header if h != target]
    for i, k in enumerate(names + [target]):
        if k not in header:
            where = f'data.features[{i}]' if i < len(names) else 'data.target'
            raise ConfigError(f"{where}: no column {k!r} in {path} (columns: {', '.join(header)})")
    idx = [header.index(k) for k in names]
    t = header.index(target)
    try:
        x = np.array([[float(r[i]) for i in idx] for r in body], np.float32).reshape(len(body), len(idx))
        y = np.array([float(r[t]) for r in body])
    except (ValueError, IndexError) as e:
        raise ConfigError(f'data.path: {path}: not a numeric table ({e})') from None
    return x, y


def load(cfg, seed):
    """The data a resolved config asks for (before the validation split)."""
    d = cfg['data']
    name = d['name']
    if name in GENERATORS:
        if d['path'] is not None or d['features'] is not None:
            raise ConfigError(f'data.path: only used with data.name npz, npy or csv (data.name is {name!r})')
        if d['mmap']:
            raise ConfigError(f"data.mmap: only for data.name {' or '.join(MMAP_FORMATS)} (data.name is {name!r})")
        params = _check_params(name, d['params'])
        data = GENERATORS[name](np.random.default_rng([seed, 1]), **params)
        data.info['generator'] = name
    elif name in FILE_FORMATS:
        if d['params']:
            raise ConfigError(f'data.params: only used with a built-in generator (data.name is {name!r})')
        path = d['path']
        if name == 'npy' and not os.path.isdir(path):
            raise ConfigError(f'data.path: directory not found: {path} (data.name npy reads <name>.npy files '
                              'from a directory)')
        if name != 'npy' and not os.path.isfile(path):
            raise ConfigError(f'data.path: file not found: {path}')
        if d['mmap']:
            if name not in MMAP_FORMATS:
                raise ConfigError(f"data.mmap: only for data.name {' or '.join(MMAP_FORMATS)} (data.name is "
                                  f'{name!r})')
            x, y = _load_arrays_mmap(name, path, d['features'], d['target'])
        else:
            x, y = {'npz': _load_npz, 'npy': _load_npy, 'csv': _load_csv}[name](path, d['features'], d['target'])
        data = Data(x, y, {'file': path})
    else:
        valid = ', '.join(list(GENERATORS) + list(FILE_FORMATS))
        raise ConfigError(f'data.name: unknown data {show(name)}; valid: {valid}')
    return data


def cast_targets(y, dtype):
    if dtype == 'int64':
        if y.dtype.kind == 'f' and not np.all(np.equal(np.mod(y, 1), 0)):
            raise ConfigError('data.target_dtype: int64 targets (class indices) needed, but the targets are '
                              'not whole numbers')
        return y.astype(np.int64)
    return y.astype(np.float32)


def split(data, val_split, seed):
    """(train, val or None): a seeded permutation; the last val_split of it is held out."""
    n = len(data)
    n_val = int(round(n * val_split))
    if n_val == 0:
        return data, None
    if n_val >= n:
        raise ConfigError(f'train.val_split: {val_split} leaves no training samples out of {n}')
    perm = np.random.default_rng([seed, 2]).permutation(n)
    tr, va = np.sort(perm[:n - n_val]), np.sort(perm[n - n_val:])
    take = data.x.subset if isinstance(data.x, MmapFeatures) else data.x.__getitem__   # memory mapped: no read
    return Data(take(tr), data.y[tr], data.info), Data(take(va), data.y[va], data.info)
