"""The run configuration: schema, defaults, validation and command-line overrides.

A config is a plain mapping (read from YAML with ``yaml.safe_load`` only). ``resolve`` checks it
against ``SCHEMA`` and returns a new mapping with every default filled in; anything wrong raises
``ConfigError`` with one message that names the key path, e.g.
``optimizer.momentum: expected a number, got 'fast'``. Names of layers, losses, optimizers and
schedulers, and their keyword arguments, are checked against the classes themselves (registry.py);
files are checked when the data is loaded (data.py). Nothing here imports nn or optim.
"""
import copy
import os
import re

import yaml


class SafeLoader(yaml.SafeLoader):
    """yaml.SafeLoader that also reads 1e-6 as a float (YAML 1.1 wants 1.0e-6) and nothing unsafe."""


SafeLoader.add_implicit_resolver(
    'tag:yaml.org,2002:float',
    re.compile(r'''^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$''', re.X),
    list('-+0123456789.'))


def safe_load(text):
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 -- a SafeLoader subclass: safe loading only


class ConfigError(ValueError):
    """A bad config or override: one line naming the key path. train.py prints it and exits with 2."""


def show(value):
    """A value as the user wrote it in YAML: 'fast', null, true, 3, [1, 2]."""
    if value is None:
        return 'null'
    if value is True or value is False:
        return str(value).lower()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return 'a mapping'
    return repr(value)


# ---------------------------------------------------------------------------------------------
# value checkers: each returns the (possibly normalised) value or raises ConfigError(path: ...)

def _fail(path, expected, value):
    raise ConfigError(f'{path}: expected {expected}, got {show(value)}')


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


class Type:
    """A named check: ``Type('a number', check)``; ``nullable`` also accepts null."""

    def __init__(self, name, check, nullable=False):
        self.name, self.check, self.nullable = name, check, nullable

    def __call__(self, path, value):
        if value is None and self.nullable:
            return None
        out = self.check(value)
        if out is _BAD:
            _fail(path, self.name + (' or null' if self.nullable else ''), value)
        return out

    def doc(self):
        return self.name + (' or null' if self.nullable else '')


_BAD = object()


def _check_int(v, low=None):
    if not is_int(v) or (low is not None and v < low):
        return _BAD
    return v


def _check_number(v, low=None, high=None, high_open=False):
    if not is_number(v):
        return _BAD
    if (low is not None and v < low) or (high is not None and (v > high or (high_open and v == high))):
        return _BAD
    return float(v) if isinstance(v, float) else v


INT = Type('an integer', _check_int)
POS_INT = Type('a positive integer', lambda v: _check_int(v, 1))
NONNEG_INT = Type('a non-negative integer', lambda v: _check_int(v, 0))
NUMBER = Type('a number', _check_number)
FRACTION = Type('a number in [0, 1)', lambda v: _check_number(v, 0, 1, high_open=True))
BOOL = Type('true or false', lambda v: v if isinstance(v, bool) else _BAD)
STR = Type('a string', lambda v: v if isinstance(v, str) and v else _BAD)
STR_LIST = Type('a list of strings',
                lambda v: list(v) if isinstance(v, list) and all(isinstance(s, str) for s in v) else _BAD)
MAPPING = Type('a mapping', lambda v: dict(v) if isinstance(v, dict) else _BAD)


def choice(*names):
    return Type('one of ' + ', '.join(names), lambda v: v if v in names else _BAD)


def nullable(t):
    return Type(t.name, t.check, nullable=True)


class Key:
    """One key of a section: its type, its default (``REQUIRED`` when it has none) and a line of doc."""

    def __init__(self, type, default, doc):
        self.type, self.default, self.doc = type, default, doc


REQUIRED = object()
METRICS = ('accuracy', 'mse', 'mae')

# Sections whose keys are fixed. loss / optimizer / scheduler take `name` plus the class's keyword
# arguments; model is a list of layers or a user class; both are checked in their own functions.
SCHEMA = {
    'data': {
        'name': Key(STR, REQUIRED, 'built-in generator (sin_cubic, random, spirals, blobs, digits, text) or a file '
                                   'format (npz, npy, csv)'),
        'path': Key(nullable(STR), None, 'file to load when name is npz or csv, directory of `<name>.npy` files when '
                                         'npy (relative to the working directory)'),
        'features': Key(nullable(STR_LIST), None, 'npz: array names, csv: column names used as inputs '
                                                  '(default: npz `x`, csv every column but the target)'),
        'target': Key(STR, 'y', 'npz array name or csv column holding the target'),
        'target_dtype': Key(choice('auto', 'float32', 'int64'), 'auto',
                            'auto: int64 for CrossEntropyLoss/NLLLoss, float32 otherwise'),
        'params': Key(MAPPING, {}, "keyword arguments of the generator (see 'Data generators')"),
        'mmap': Key(BOOL, False, 'npz/npy: memory-map the features (np.load mmap_mode=r; .npz uncompressed) and '
                                 'read only each batch: data larger than the RAM'),
    },
    'train': {
        'steps': Key(nullable(POS_INT), None, 'total optimizer steps (set this or epochs)'),
        'epochs': Key(nullable(POS_INT), None, 'passes over the training set (set this or steps)'),
        'batch_size': Key(nullable(POS_INT), None, 'samples per step; null = the whole training set (full batch)'),
        'shuffle': Key(BOOL, False, 'reshuffle the training set every epoch (own seeded generator)'),
        'drop_last': Key(BOOL, False, 'drop the last incomplete batch of each epoch'),
        'log_every': Key(POS_INT, 100, 'steps between metric-log rows (and progress-bar updates)'),
        'val_split': Key(FRACTION, 0.0, 'fraction of the samples held out for validation (seeded split)'),
        'metrics': Key(STR_LIST, [], 'extra metrics computed at each log step: ' + ', '.join(METRICS)),
        'checkpoint_every': Key(nullable(POS_INT), None, 'steps between checkpoints (one is always written at '
                                                         'the end)'),
        'progress': Key(BOOL, True, 'show the tqdm progress bar'),
        'print_every': Key(nullable(POS_INT), None, 'print `t loss` every N steps (t counted from 0), like seed '
                                                    "004's `if t % 100 == 99: print(t, loss.item())`"),
        'num_workers': Key(NONNEG_INT, 0, 'DataLoader worker processes that gather the batches (0: in the main '
                                          'process); same batches, same metrics'),
        'prefetch_factor': Key(nullable(POS_INT), None, 'batches each worker loads ahead (null: 2 with workers); '
                                                        'only with num_workers > 0'),
        'persistent_workers': Key(BOOL, False, 'keep the worker processes from one epoch to the next; only with '
                                               'num_workers > 0'),
    },
    'output': {
        'dir': Key(STR, 'runs', 'parent directory of run directories'),
        'name': Key(nullable(STR), None, 'run directory name (default: the config file name, or `run`); an '
                                         'existing one gets a -1, -2, ... suffix unless overwrite'),
        'overwrite': Key(BOOL, False, 'reuse output.dir/output.name even if it exists'),
        'plot': Key(BOOL, True, 'write loss.png when matplotlib is importable'),
        'export': Key(nullable(choice('pt', 'safetensors')), None,
                      'also write the final weights as model.pt (PyTorch\'s format: torch.load reads it) or '
                      'model.safetensors in the run directory'),
    },
    'logging': {
        'tensorboard': Key(BOOL, False, 'also write the metrics.csv values as TensorBoard event files in '
                                        'RUN/tensorboard (needs tensorboardX: pip install -e ".[tensorboard]")'),
    },
    'distributed': {
        'backend': Key(choice('auto', 'mpi', 'nccl'), 'auto', 'under mpiexec: mpi (CPU) or nccl (GPU); auto: nccl '
                                                              'when the device is cuda'),
        'batch_size': Key(choice('global', 'per_rank'), 'global', 'global: train.batch_size is split across the '
                                                                  'ranks; per_rank: each rank takes that many'),
        'timeout': Key(NUMBER, 300, 'seconds a collective may wait for the other ranks before the job is aborted'),
    },
}

TOP = {
    'seed': Key(NONNEG_INT, 0, 'seeds framework.manual_seed (model init, dropout), the data generator, the '
                        'validation split and shuffling'),
    'device': Key(choice('cpu', 'cuda', 'auto'), 'cpu', 'auto: cuda when framework.cuda.is_available()'),
}

MODEL_KEYS = {
    'layers': 'list of layers: `- Linear: [3, 1]`, `- Flatten: {start_dim: 0, end_dim: 1}`, `- ReLU`',
    'class': '`package.module:Name` of a user nn.Module (instead of layers)',
    'kwargs': 'keyword arguments for `class`',
    'init': 'initial parameter values: a mapping `param.name: nested list`, or the path of an .npz of arrays',
    'weights': 'a .pt/.pth/.safetensors state dict loaded into the model before training (strict key check)',
}
SCHEDULER_INTERVALS = ('epoch', 'step')


def _close(name, names):
    import difflib
    near = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean '{near[0]}'?)" if near else ''


def unknown_key(path, key, valid):
    where = f'{path}.{key}' if path else key
    return ConfigError(f"{where}: unknown key{_close(key, list(valid))}; valid keys: {', '.join(valid)}")


def _section(path, value, keys):
    if value is None:
        value = {}
    if not isinstance(value, dict):
        _fail(path, 'a mapping', value)
    for k in value:
        if k not in keys:
            raise unknown_key(path, str(k), keys)
    out = {}
    for k, key in keys.items():
        if k in value:
            out[k] = key.type(f'{path}.{k}', value[k])
        elif key.default is REQUIRED:
            raise ConfigError(f'{path}.{k}: missing (expected {key.type.doc()})')
        else:
            out[k] = copy.deepcopy(key.default)
    return out


def _named(path, value, extra=()):
    """loss / optimizer / scheduler: `Name` or {name: Name, **kwargs}. Kwargs are checked by the registry."""
    if isinstance(value, str):
        value = {'name': value}
    if not isinstance(value, dict):
        _fail(path, 'a name or a mapping with `name`', value)
    if 'name' not in value:
        raise ConfigError(f'{path}.name: missing (expected a string)')
    out = dict(value)
    out['name'] = STR(f'{path}.name', out['name'])
    return out


def _model(value):
    if isinstance(value, list):
        value = {'layers': value}
    if not isinstance(value, dict):
        _fail('model', 'a list of layers or a mapping with layers or class', value)
    for k in value:
        if k not in MODEL_KEYS:
            raise unknown_key('model', str(k), MODEL_KEYS)
    has_layers, has_class = value.get('layers') is not None, value.get('class') is not None
    if has_layers == has_class:
        raise ConfigError('model: set exactly one of model.layers (a list of layers) or model.class '
                          '(package.module:Name)')
    out = {'layers': None, 'class': None, 'kwargs': {}, 'init': None, 'weights': None}
    if has_layers:
        layers = value['layers']
        if not isinstance(layers, list) or not layers:
            _fail('model.layers', 'a non-empty list of layers', layers)
        out['layers'] = [_layer(f'model.layers[{i}]', item) for i, item in enumerate(layers)]
    else:
        cls = STR('model.class', value['class'])
        if ':' not in cls:
            _fail('model.class', "'package.module:Name'", cls)
        out['class'] = cls
    if value.get('kwargs'):
        if has_layers:
            raise ConfigError('model.kwargs: only used with model.class')
        out['kwargs'] = MAPPING('model.kwargs', value['kwargs'])
    init = value.get('init')
    if init is not None and not isinstance(init, (str, dict)):
        _fail('model.init', 'a mapping of parameter names to values, or an .npz path', init)
    out['init'] = init
    weights = value.get('weights')
    if weights is not None:
        weights = STR('model.weights', weights)
        if not weights.endswith(('.pt', '.pth', '.safetensors')):
            _fail('model.weights', 'a .pt, .pth or .safetensors file', weights)
    out['weights'] = weights
    return out


def _layer(path, item):
    """`ReLU`, `{Linear: [3, 1]}`, `{Linear: {in_features: 3, out_features: 1}}` or `{ReLU: null}`
    → {name: args} with args a list or a mapping."""
    if isinstance(item, str):
        return {item: []}
    if not isinstance(item, dict) or len(item) != 1:
        _fail(path, 'a layer name or a one-key mapping `Name: [args]` / `Name: {kwargs}`', item)
    (name, args), = item.items()
    if not isinstance(name, str):
        _fail(path, 'a layer name', name)
    if args is None:
        args = []
    elif not isinstance(args, (list, dict)):
        args = [args]
    return {name: args}


def resolve(raw):
    """Check a config mapping and return it with every default filled in."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        _fail('config', 'a mapping of sections', raw)
    valid = list(TOP) + ['data', 'model', 'loss', 'optimizer', 'scheduler', 'train', 'output', 'logging',
                         'distributed']
    for k in raw:
        if k not in valid:
            raise unknown_key('', str(k), valid)
    cfg = {}
    for k, key in TOP.items():
        cfg[k] = key.type(k, raw[k]) if k in raw else key.default
    for section in ('data', 'model', 'loss', 'optimizer'):
        if raw.get(section) is None:
            raise ConfigError(f'{section}: missing section')
    cfg['data'] = _section('data', raw['data'], SCHEMA['data'])
    cfg['model'] = _model(raw['model'])
    cfg['loss'] = _named('loss', raw['loss'])
    cfg['optimizer'] = _named('optimizer', raw['optimizer'])
    sched = raw.get('scheduler')
    if sched is not None:
        sched = _named('scheduler', sched)
        sched['interval'] = choice(*SCHEDULER_INTERVALS)('scheduler.interval', sched.get('interval', 'epoch'))
    cfg['scheduler'] = sched
    cfg['train'] = _section('train', raw.get('train'), SCHEMA['train'])
    cfg['output'] = _section('output', raw.get('output'), SCHEMA['output'])
    cfg['logging'] = _section('logging', raw.get('logging'), SCHEMA['logging'])
    cfg['distributed'] = _section('distributed', raw.get('distributed'), SCHEMA['distributed'])
    t = cfg['train']
    if (t['steps'] is None) == (t['epochs'] is None):
        raise ConfigError('train: set exactly one of train.steps or train.epochs '
                          f"(got steps={show(t['steps'])}, epochs={show(t['epochs'])})")
    for i, m in enumerate(t['metrics']):
        if m not in METRICS:
            raise ConfigError(f"train.metrics[{i}]: unknown metric {show(m)}; valid metrics: {', '.join(METRICS)}")
    if t['num_workers'] == 0:
        for k in ('prefetch_factor', 'persistent_workers'):
            if t[k] not in (None, False):
                raise ConfigError(f'train.{k}: only used with train.num_workers > 0 (got {k}={show(t[k])}, '
                                  'num_workers=0)')
    d = cfg['data']
    if d['name'] in ('npz', 'npy', 'csv') and d['path'] is None:
        raise ConfigError(f"data.path: missing (data.name is {d['name']})")
    return cfg


# ---------------------------------------------------------------------------------------------
# reading and overriding

def load_file(path):
    """Read a YAML config with yaml.safe_load; missing file or bad YAML → ConfigError."""
    if not os.path.isfile(path):
        raise ConfigError(f'--config: file not found: {path}')
    try:
        with open(path, encoding='utf-8') as f:
            raw = safe_load(f)
    except yaml.YAMLError as e:
        raise ConfigError(f'{path}: invalid YAML: {" ".join(str(e).split())}') from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f'{path}: expected a mapping of sections at the top level, got {show(raw)}')
    return raw


def parse_override(text):
    """`optimizer.lr=0.01` → (['optimizer', 'lr'], 0.01); the value is read as YAML (safe)."""
    if '=' not in text:
        raise ConfigError(f"override {text!r}: expected dotted.key=value (e.g. optimizer.lr=0.01)")
    key, _, value = text.partition('=')
    parts = key.strip().split('.')
    if not all(parts):
        raise ConfigError(f"override {text!r}: bad key {key!r}")
    try:
        parsed = safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        parsed = value
    return parts, parsed


def apply_overrides(raw, overrides):
    """Set dotted keys in a copy of ``raw``. Overrides are a list of `key=value` strings or a mapping
    {dotted.key: value}. Integer parts index lists (model.layers.0.Linear)."""
    raw = copy.deepcopy(raw) if raw is not None else {}
    items = []
    if isinstance(overrides, dict):
        items = [(k.split('.'), v) for k, v in overrides.items()]
    else:
        items = [parse_override(o) for o in (overrides or [])]
    for parts, value in items:
        node, path, i = raw, [], 0
        while i < len(parts):
            part = parts[i]
            if isinstance(node, dict):  # keys that contain dots (model.init: {0.weight: ...}) match whole
                for j in range(len(parts), i + 1, -1):
                    if '.'.join(parts[i:j]) in node:
                        part, parts = '.'.join(parts[i:j]), parts[:i] + ['.'.join(parts[i:j])] + parts[j:]
                        break
            i += 1
            last = i == len(parts)
            path.append(part)
            if isinstance(node, list):
                if not part.lstrip('-').isdigit() or not -len(node) <= int(part) < len(node):
                    raise ConfigError(f"override {'.'.join(parts)}: {'.'.join(path[:-1])} is a list of "
                                      f'{len(node)}; {part!r} is not an index in it')
                part = int(part)
            elif not isinstance(node, dict):
                raise ConfigError(f"override {'.'.join(parts)}: {'.'.join(path[:-1])} is not a mapping")
            if last:
                node[part] = value
            else:
                if isinstance(node, dict) and (part not in node or node[part] is None):
                    node[part] = {}
                elif isinstance(node, dict) and isinstance(node[part], str) and path == [parts[0]]:
                    node[part] = {'name': node[part]}  # `loss: MSELoss` then loss.reduction=sum
                node = node[part]
    return raw


def resolved_yaml(cfg):
    return yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None)


def reference():
    """The config reference as Markdown rows (key, type, default, meaning), for the README and --help."""
    rows = [(k, key.type.doc(), key.default, key.doc) for k, key in TOP.items()]
    for section, keys in SCHEMA.items():
        rows += [(f'{section}.{k}', key.type.doc(), key.default, key.doc) for k, key in keys.items()]
    return rows
