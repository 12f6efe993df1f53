"""Checkpoints without pickle: one .npz holding every array plus the JSON description of the rest.

``save`` writes ``checkpoint.npz`` through a temporary file and ``os.replace``, so the previous
checkpoint stays whole until the new one is complete: a crash (or a failing run) mid-write never
leaves a torn file. A readable copy of the JSON part is written beside it as ``checkpoint.json``.
``load`` uses ``np.load(allow_pickle=False)`` only.

Nested state (optimizer and scheduler ``state_dict()``) is encoded generically: tensors and arrays go
to the npz under a path-like name and are replaced by ``{"__tensor__": name}``; tuples and dicts with
non-string keys are tagged so they come back as they were.
"""
import json
import os

import numpy as np

CHECKPOINT = 'checkpoint.npz'
META_KEY = '__meta__'
FORMAT = 1


def _is_tensor(obj):
    from .._tensor import Tensor
    return isinstance(obj, Tensor)


def encode(obj, name, arrays):
    if _is_tensor(obj):
        arrays[name] = obj.detach().cpu().numpy()
        return {'__tensor__': name}
    if isinstance(obj, np.ndarray):
        arrays[name] = obj
        return {'__ndarray__': name}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith('__') for k in obj):
            return {k: encode(v, f'{name}/{k}', arrays) for k, v in obj.items()}
        return {'__dict__': [[encode(k, f'{name}/k{i}', arrays), encode(v, f'{name}/{i}', arrays)]
                             for i, (k, v) in enumerate(obj.items())]}
    if isinstance(obj, tuple):
        return {'__tuple__': [encode(v, f'{name}/{i}', arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [encode(v, f'{name}/{i}', arrays) for i, v in enumerate(obj)]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f'cannot checkpoint a {type(obj).__name__} at {name} (only tensors, arrays, numbers, strings, '
                    'lists, tuples and dicts)')


def decode(obj, arrays, device=None):
    if isinstance(obj, list):
        return [decode(v, arrays, device) for v in obj]
    if isinstance(obj, dict):
        if '__tensor__' in obj:
            from ..creation import tensor
            return tensor(arrays[obj['__tensor__']], device=device)
        if '__ndarray__' in obj:
            return arrays[obj['__ndarray__']]
        if '__tuple__' in obj:
            return tuple(decode(v, arrays, device) for v in obj['__tuple__'])
        if '__dict__' in obj:
            return {decode(k, arrays, device): decode(v, arrays, device) for k, v in obj['__dict__']}
        return {k: decode(v, arrays, device) for k, v in obj.items()}
    return obj


def atomic_write(path, write):
    """Call write(file) on a temporary file beside ``path``, fsync it, then rename it over ``path``."""
    tmp = f'{path}.tmp'
    try:
        with open(tmp, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save(run_dir, arrays, meta):
    """Write ``arrays`` (name → ndarray) and ``meta`` (JSON-able) as run_dir/checkpoint.npz, atomically."""
    meta = dict(meta, format=FORMAT)
    text = json.dumps(meta, indent=1, sort_keys=True)
    blob = dict(arrays)
    blob[META_KEY] = np.frombuffer(text.encode('utf-8'), dtype=np.uint8)
    path = os.path.join(run_dir, CHECKPOINT)
    atomic_write(path, lambda f: np.savez(f, **blob))
    atomic_write(os.path.join(run_dir, 'checkpoint.json'), lambda f: f.write(text.encode('utf-8')))
    return path


def load(run_dir):
    """(arrays, meta) of run_dir/checkpoint.npz (or of the .npz path given)."""
    path = run_dir if run_dir.endswith('.npz') else os.path.join(run_dir, CHECKPOINT)
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(arrays.pop(META_KEY).tobytes().decode('utf-8'))
    if meta.get('format') != FORMAT:
        raise ValueError(f'{path}: unknown checkpoint format {meta.get("format")!r}')
    return arrays, meta


def model_arrays(model):
    return {f'model/{k}': v.detach().cpu().numpy() for k, v in model.state_dict().items()}


def load_model_arrays(model, arrays, device=None):
    from ..creation import tensor
    state = {k[len('model/'):]: tensor(v, device=device) for k, v in arrays.items() if k.startswith('model/')}
    model.load_state_dict(state)
