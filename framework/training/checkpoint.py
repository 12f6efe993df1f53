"""Checkpoints without pickle: one .npz holding every array plus the JSON description of the rest.

``save`` writes ``checkpoint.npz`` through a temporary file and ``os.replace``, so the previous
checkpoint stays whole until the new one is complete: a crash (or a failing run) mid-write never
leaves a torn file. A readable copy of the JSON part is written beside it as ``checkpoint.json``.
``load`` uses ``np.load(allow_pickle=False)`` only.

The checkpoint before the newest is kept as ``checkpoint.prev.npz`` (and ``.json``): a checkpoint
damaged after it was written (a copy interrupted, a full disk) is reported in one line by
``load`` (``DamagedCheckpoint``), and ``python train.py --resume RUN --from-previous`` continues
from the previous one. The fallback is never automatic: going back silently would lose steps.

Nested state (optimizer and scheduler ``state_dict()``) is encoded generically: tensors and arrays go
to the npz under a path-like name and are replaced by ``{"__tensor__": name}``; tuples and dicts with
non-string keys are tagged so they come back as they were.
"""
import json
import os
import zipfile
import zlib

import numpy as np

CHECKPOINT = 'checkpoint.npz'
PREVIOUS = 'checkpoint.prev.npz'
SET_ASIDE = 'checkpoint.damaged.npz'
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


def atomic_write(path, write, keep_old_as=None):
    """Call write(file) on a temporary file beside ``path``, fsync it, then rename it over ``path``
    (first renaming the file it replaces to ``keep_old_as``, when given)."""
    tmp = f'{path}.tmp'
    try:
        with open(tmp, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if keep_old_as is not None and os.path.exists(path):
            os.replace(path, keep_old_as)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def save(run_dir, arrays, meta):
    """Write ``arrays`` (name → ndarray) and ``meta`` (JSON-able) as run_dir/checkpoint.npz, atomically;
    the checkpoint it replaces becomes checkpoint.prev.npz."""
    meta = dict(meta, format=FORMAT)
    text = json.dumps(meta, indent=1, sort_keys=True)
    blob = dict(arrays)
    blob[META_KEY] = np.frombuffer(text.encode('utf-8'), dtype=np.uint8)
    path = os.path.join(run_dir, CHECKPOINT)
    atomic_write(path, lambda f: np.savez(f, **blob), keep_old_as=os.path.join(run_dir, PREVIOUS))
    atomic_write(os.path.join(run_dir, 'checkpoint.json'), lambda f: f.write(text.encode('utf-8')),
                 keep_old_as=os.path.join(run_dir, 'checkpoint.prev.json'))
    return path


class DamagedCheckpoint(ValueError):
    """A checkpoint file that exists but cannot be read whole; the message says which and how."""


def load(run_dir):
    """(arrays, meta) of run_dir/checkpoint.npz (or of the .npz path given).

    A damaged file raises DamagedCheckpoint with one line naming it and what is wrong."""
    path = run_dir if run_dir.endswith('.npz') else os.path.join(run_dir, CHECKPOINT)
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        meta = json.loads(arrays.pop(META_KEY).tobytes().decode('utf-8'))
    except FileNotFoundError:
        raise
    except zipfile.BadZipFile as e:
        how = ('it is not a complete zip archive (cut short, e.g. by an interrupted copy or a full disk)'
               if 'not a zip file' in str(e) else f'its contents do not match their checksums ({e})')
        raise DamagedCheckpoint(f'{path} is damaged: {how}') from None
    except KeyError:
        raise DamagedCheckpoint(f'{path} is damaged: it has no {META_KEY} record (not a train.py checkpoint?)') \
            from None
    except (EOFError, OSError, ValueError, zlib.error) as e:
        if os.path.getsize(path) == 0:
            raise DamagedCheckpoint(f'{path} is damaged: it is empty') from None
        raise DamagedCheckpoint(f'{path} is damaged: {type(e).__name__}: {e}') from None
    if meta.get('format') != FORMAT:
        raise DamagedCheckpoint(f'{path}: unknown checkpoint format {meta.get("format")!r}')
    return arrays, meta


def _step_of(path):
    try:
        return load(path)[1].get('step')
    except (OSError, ValueError):
        return None


def load_for_resume(run_dir, from_previous=False):
    """(arrays, meta) to continue the run in run_dir from; a ConfigError (one line, exit 2) when the
    checkpoint is missing or damaged, saying whether the previous one can be used with --from-previous."""
    from .config import ConfigError
    current, previous = os.path.join(run_dir, CHECKPOINT), os.path.join(run_dir, PREVIOUS)
    if from_previous:
        if not os.path.isfile(previous):
            raise ConfigError(f'--resume --from-previous: there is no previous checkpoint ({previous})')
        try:
            found = load(previous)
        except DamagedCheckpoint as e:
            raise ConfigError(f'--resume --from-previous: {e}') from None
        if os.path.exists(current):
            # kept for inspection; out of the way so the next save does not rotate it over the good one
            os.replace(current, os.path.join(run_dir, SET_ASIDE))
        os.replace(previous, current)
        prev_json = os.path.join(run_dir, 'checkpoint.prev.json')
        if os.path.exists(prev_json):
            os.replace(prev_json, os.path.join(run_dir, 'checkpoint.json'))
        return found
    fallback = ''
    if os.path.isfile(previous):
        step = _step_of(previous)
        if step is not None:
            fallback = (f'; the previous checkpoint ({PREVIOUS}, step {step}) is whole: continue from it with '
                        f'python train.py --resume {run_dir} --from-previous')
    if not os.path.isfile(current):
        raise ConfigError(f'--resume: no {CHECKPOINT} in {run_dir}{fallback}')
    try:
        found = load(current)
    except DamagedCheckpoint as e:
        raise ConfigError(f'--resume: {e}{fallback or "; there is no whole previous checkpoint to fall back on"}') \
            from None
    _check_json_copy(run_dir, found[1])
    return found


def _check_json_copy(run_dir, meta):
    """checkpoint.json is only a readable copy of the meta inside the npz: a damaged one is reported, not fatal."""
    import sys
    path = os.path.join(run_dir, 'checkpoint.json')
    if not os.path.exists(path):
        return
    try:
        with open(path, encoding='utf-8') as f:
            ok = json.load(f) == json.loads(json.dumps(meta))
        problem = None if ok else 'it does not match checkpoint.npz'
    except (ValueError, OSError) as e:
        problem = f'{type(e).__name__}: {e}'
    if problem:
        print(f'train.py: warning: {path} is damaged ({problem}); it is only a readable copy of what '
              f'{CHECKPOINT} holds, and is rewritten at the next checkpoint', file=sys.stderr)


def model_arrays(model):
    return {f'model/{k}': v.detach().cpu().numpy() for k, v in model.state_dict().items()}


def load_model_arrays(model, arrays, device=None):
    from ..creation import tensor
    state = {k[len('model/'):]: tensor(v, device=device) for k, v in arrays.items() if k.startswith('model/')}
    model.load_state_dict(state)
