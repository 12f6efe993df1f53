"""Data for config runs: built-in generators and .npz / .csv loaders, all returning NumPy arrays.

Generators draw from their own NumPy generator seeded by the config's seed, so the data does not
depend on (or disturb) framework's global generator that initialises the model.
"""
import csv
import inspect
import math
import os

import numpy as np

from .config import ConfigError, show, is_number, is_int


class Data:
    """Features ``x`` (float32, 2-D) and targets ``y``; ``info`` carries what the report needs."""

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
GENERATORS = {'sin_cubic': sin_cubic, 'random': random, 'spirals': spirals, 'blobs': blobs, 'text': text}
FILE_FORMATS = ('npz', 'csv')


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
    cols = [arrays[k].reshape(len(arrays[k]), -1) for k in names]
    n = {len(c) for c in cols} | {len(arrays[target])}
    if len(n) != 1:
        raise ConfigError(f'data: arrays in {path} have different lengths: {sorted(n)}')
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
            raise ConfigError(f'data.path: only used with data.name npz or csv (data.name is {name!r})')
        params = _check_params(name, d['params'])
        data = GENERATORS[name](np.random.default_rng([seed, 1]), **params)
        data.info['generator'] = name
    elif name in FILE_FORMATS:
        if d['params']:
            raise ConfigError(f'data.params: only used with a built-in generator (data.name is {name!r})')
        path = d['path']
        if not os.path.isfile(path):
            raise ConfigError(f'data.path: file not found: {path}')
        x, y = (_load_npz if name == 'npz' else _load_csv)(path, d['features'], d['target'])
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
    return Data(data.x[tr], data.y[tr], data.info), Data(data.x[va], data.y[va], data.info)
