"""Names in a config → classes: layers and losses from framework.nn, optimizers from framework.optim,
schedulers from framework.optim.lr_scheduler, a user's Module from `package.module:Name`.

Keyword arguments are checked against the class's signature before it is called: unknown names and
wrong types get a message naming the key path; what the class itself rejects (``Invalid learning
rate: -1``) is reported under the same path. nn and optim are imported on first use.
"""
import importlib
import inspect
import os
import sys

from .config import ConfigError, show, is_number

_NOT_LAYERS = {'Module', 'ModuleList', 'ModuleDict', 'ParameterList', 'ParameterDict', 'Container', 'Parameter'}
_extra = {'layer': {}, 'loss': {}, 'optimizer': {}, 'scheduler': {}}


def register(kind, name, cls):
    """Make ``cls`` available under ``name`` in configs: kind is layer, loss, optimizer or scheduler."""
    _extra[kind][name] = cls
    return cls


def _classes(module, base, keep=lambda name: True):
    return {name: obj for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, base) and obj is not base and not name.startswith('_')
            and keep(name)}


def layers():
    from .. import nn
    found = _classes(nn, nn.Module, lambda n: not n.endswith('Loss') and n not in _NOT_LAYERS)
    return {**found, **_extra['layer']}


# losses of three inputs, which the trainer's loss(output, target) cannot call
_NOT_TWO_INPUT_LOSSES = {'CosineEmbeddingLoss', 'MarginRankingLoss', 'TripletMarginLoss', 'GaussianNLLLoss'}


def losses():
    from .. import nn
    return {**_classes(nn, nn.Module, lambda n: n.endswith('Loss') and n not in _NOT_TWO_INPUT_LOSSES),
            **_extra['loss']}


def optimizers():
    from .. import optim
    return {**_classes(optim, optim.Optimizer), **_extra['optimizer']}


def schedulers():
    from ..optim import lr_scheduler
    base = getattr(lr_scheduler, 'LRScheduler', None) or getattr(lr_scheduler, '_LRScheduler')
    skip = {'LRScheduler', '_LRScheduler', 'ReduceLROnPlateau', 'LambdaLR', 'MultiplicativeLR', 'SequentialLR',
            'ChainedScheduler'}
    return {**_classes(lr_scheduler, base, lambda n: n not in skip), **_extra['scheduler']}


def lookup(kind, name, path, table):
    if name in table:
        return table[name]
    import difflib
    near = difflib.get_close_matches(name, list(table), n=1)
    hint = f" (did you mean '{near[0]}'?)" if near else ''
    plural = 'losses' if kind == 'loss' else kind + 's'
    raise ConfigError(f'{path}: unknown {kind} {show(name)}{hint}; valid {plural}: {", ".join(sorted(table))}')


# Parameters that commonly have no default (or a None one) but a known type.
_INTS = {'in_features', 'out_features', 'in1_features', 'in2_features', 'step_size', 'T_max', 'T_0', 'T_mult',
         'total_iters', 'start_dim', 'end_dim', 'dim', 'num_classes', 'last_epoch', 'ignore_index',
         'total_steps', 'epochs', 'steps_per_epoch', 'step_size_up', 'num_embeddings', 'embedding_dim',
         'num_groups', 'num_channels', 'num_parameters', 'upscale_factor', 'downscale_factor'}
_POSITIVE = {'step_size', 'T_max', 'T_0'}
_NUMBERS = {'lr', 'gamma', 'momentum', 'weight_decay', 'eps', 'p', 'negative_slope', 'alpha', 'beta', 'eta_min',
            'factor', 'start_factor', 'end_factor', 'min_val', 'max_val', 'delta', 'label_smoothing', 'max_lr',
            'rho', 'lr_decay', 'initial_accumulator_value', 'momentum_decay', 'power', 'pct_start', 'div_factor',
            'final_div_factor'}


def _expect(path, default, value):
    """Check a keyword value against the type of the parameter's default (or its well-known type)."""
    name = path.rsplit('.', 1)[-1]
    if name in _INTS and not (isinstance(value, int) and not isinstance(value, bool)):
        raise ConfigError(f'{path}: expected an integer, got {show(value)}')
    if name in _POSITIVE and value < 1:  # the schedulers would divide by it at their first step
        raise ConfigError(f'{path}: expected a positive integer, got {show(value)}')
    if name in _NUMBERS and not is_number(value):
        raise ConfigError(f'{path}: expected a number, got {show(value)}')
    if name == 'milestones' and not (isinstance(value, list) and all(isinstance(v, int) for v in value)):
        raise ConfigError(f'{path}: expected a list of integers, got {show(value)}')
    if default is inspect.Parameter.empty or default is None or value is None:
        return
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f'{path}: expected true or false, got {show(value)}')
    elif isinstance(default, (int, float)):
        if not is_number(value):
            raise ConfigError(f'{path}: expected a number, got {show(value)}')
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f'{path}: expected a string, got {show(value)}')
    elif isinstance(default, (tuple, list)):
        if not isinstance(value, list) or len(value) != len(default) or not all(is_number(v) for v in value):
            raise ConfigError(f'{path}: expected a list of {len(default)} numbers, got {show(value)}')


def bind(cls, path, args=(), kwargs=None, skip=0):
    """Check positional and keyword arguments against ``cls.__init__`` (its first ``skip`` parameters after
    self are supplied by the trainer) and return (args, kwargs) ready to call it."""
    kwargs = dict(kwargs or {})
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return list(args), kwargs
    params = list(sig.parameters.values())[skip:]
    named = {p.name: p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var_pos = any(p.kind is p.VAR_POSITIONAL for p in params)
    if len(args) > len(positional) and not var_pos:
        raise ConfigError(f'{path}: {cls.__name__} takes at most {len(positional)} arguments '
                          f"({', '.join(p.name for p in positional)}), got {len(args)}")
    for p, v in zip(positional, args):
        _expect(f'{path}.{p.name}', p.default, v)
        if p.name in kwargs:
            raise ConfigError(f'{path}.{p.name}: given both by position and by name')
    for k, v in kwargs.items():
        if k not in named:
            if var_kw:
                continue
            valid = ', '.join(named) or 'none'
            raise ConfigError(f'{path}.{k}: unknown argument of {cls.__name__}; valid: {valid}')
        _expect(f'{path}.{k}', named[k].default, v)
    given = {p.name for p in positional[:len(args)]} | set(kwargs)
    for p in params:
        if p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in given:
            raise ConfigError(f'{path}.{p.name}: missing (required by {cls.__name__})')
    return list(args), kwargs


def construct(cls, path, args=(), kwargs=None, leading=(), skip=0):
    """Call cls(*leading, *args, **kwargs), reporting its own ValueError/TypeError under ``path``."""
    args, kwargs = bind(cls, path, args, kwargs, skip=skip)
    kwargs = {k: tuple(v) if isinstance(v, list) and k in ('betas', 'kernel_size', 'stride', 'padding') else v
              for k, v in kwargs.items()}
    try:
        return cls(*leading, *args, **kwargs)
    except (TypeError, ValueError, RuntimeError, AssertionError) as e:
        raise ConfigError(f'{path}: {cls.__name__}: {e}') from None


def import_class(spec, path):
    """`package.module:Name` → the class. The working directory is importable, as with `python -m`."""
    module_name, _, attr = spec.partition(':')
    if os.getcwd() not in sys.path and '' not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ConfigError(f'{path}: cannot import {module_name!r}: {e}') from None
    obj = module
    for part in attr.split('.'):
        if not hasattr(obj, part):
            raise ConfigError(f'{path}: module {module_name!r} has no attribute {attr!r}')
        obj = getattr(obj, part)
    return obj
