"""Optimizer base: parameter groups, per-parameter state, zero_grad, state_dict (PyTorch's format).

Subclasses implement `step` as in-place updates of the parameters' arrays, with no graph
recorded; `bump_version` advances a parameter's version counter as any in-place op would.
"""
from collections import defaultdict, OrderedDict
import copy
import itertools

import numpy as np

from .. import _dtype
from .._hooks import RemovableHandle
from .._tensor import Tensor, clear_grad, wrap
from ..autograd.grad_mode import enable_grad
from ..nn.module import _typename


class _RequiredParameter:
    def __repr__(self):
        return '<required parameter>'


required = _RequiredParameter()


def _new_step(value=0.0):
    """A per-parameter counter as PyTorch keeps it: a 0-d float tensor on the CPU, float64 only when that is
    the default dtype, so that state dicts hold the same tensors as PyTorch's."""
    dt = np.float64 if _dtype.get_default_dtype() is _dtype.float64 else np.float32
    return wrap(np.array(value, dtype=dt))


_CAPTURABLE_DEVICES = "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla']"


def _check_step_flags(group, p, what='params and state_steps', devices=_CAPTURABLE_DEVICES):
    """foreach and fused choose PyTorch kernels and change nothing here; capturable and differentiable are
    accepted where PyTorch accepts them and refused with its errors where it does not."""
    if group.get('capturable') and p.device.type != 'cuda':
        raise AssertionError(f'If capturable=True, {what} must be on supported devices: {devices}.')
    if group.get('differentiable') and p.is_leaf and p.requires_grad:
        raise RuntimeError('a leaf Variable that requires grad is being used in an in-place operation.')


def _check_fused(defaults):
    if defaults.get('fused'):
        if defaults.get('differentiable'):
            raise RuntimeError('`fused` does not support `differentiable`')
        if defaults.get('foreach'):
            raise RuntimeError('`fused` and `foreach` cannot be `True` together.')


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        self._step_pre_hooks = OrderedDict()
        self._step_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError('params argument given to the optimizer should be an iterable of Tensors or dicts, but '
                            'got ' + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError('optimizer got an empty parameter list')
        if not isinstance(groups[0], dict):
            groups = [{'params': groups}]
        for g in groups:
            self.add_param_group(g)

    def __getstate__(self):
        return {'defaults': self.defaults, 'state': self.state, 'param_groups': self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault('_step_pre_hooks', OrderedDict())
        self.__dict__.setdefault('_step_post_hooks', OrderedDict())

    def __repr__(self):
        s = self.__class__.__name__ + ' ('
        for i, group in enumerate(self.param_groups):
            s += '\n'
            s += f'Parameter Group {i}\n'
            for key in sorted(group.keys()):
                if key != 'params':
                    s += f'    {key}: {group[key]}\n'
        return s + ')'

    def add_param_group(self, param_group):
        if not isinstance(param_group, dict):
            raise TypeError(f'param_group must be a dict, but got {_typename(param_group)}')
        params = param_group['params']
        if isinstance(params, Tensor):
            param_group['params'] = [params]
        elif isinstance(params, set):
            raise TypeError('optimizer parameters need to be organized in ordered collections, but the ordering of '
                            'tensors in sets will change between runs. Please use a list instead.')
        else:
            param_group['params'] = list(params)
        names = []
        tensors = []
        for p in param_group['params']:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group['params'] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError('all optimizer params should be with/without names. Some param names are missing')
            param_group['param_names'] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError('optimizer can only optimize Tensors, but one of the params is ' + _typename(p))
            if not self.defaults.get('differentiable', None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter "
                                 f'{name}')
            param_group.setdefault(name, default)
        ids = [id(p) for p in tensors]
        if len(ids) != len(set(ids)):
            import warnings
            warnings.warn('optimizer contains a parameter group with duplicate parameters; in future, this will '
                          'cause an error; see github.com/pytorch/pytorch/issues/40967 for more information',
                          stacklevel=3)
        seen = set()
        for g in self.param_groups:
            seen.update(id(p) for p in g['params'])
        if not seen.isdisjoint(ids):
            raise ValueError('some parameters appear in more than one parameter group')
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group['params']:
                g = p._grad
                if g is not None:
                    clear_grad(p, g, set_to_none)

    def step(self, closure=None):
        raise NotImplementedError

    def _closure(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def register_step_pre_hook(self, hook):
        h = RemovableHandle(self._step_pre_hooks)
        self._step_pre_hooks[h.id] = hook
        return h

    def register_step_post_hook(self, hook):
        h = RemovableHandle(self._step_post_hooks)
        self._step_post_hooks[h.id] = hook
        return h

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        if 'step' in cls.__dict__:
            step = cls.__dict__['step']

            def hooked_step(self, *args, **kwargs):
                if self._step_pre_hooks or self._step_post_hooks:
                    for hook in list(self._step_pre_hooks.values()):
                        r = hook(self, args, kwargs)
                        if r is not None:
                            args, kwargs = r
                    out = step(self, *args, **kwargs)
                    for hook in list(self._step_post_hooks.values()):
                        hook(self, args, kwargs)
                    return out
                return step(self, *args, **kwargs)
            hooked_step.__doc__ = step.__doc__
            hooked_step.__wrapped__ = step
            cls.step = hooked_step

    # ---------------------------------------------------------------- state dict
    def state_dict(self):
        index = {}
        start = 0

        def pack_group(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != 'params'}
            index.update({id(p): i for i, p in enumerate(group['params'], start) if id(p) not in index})
            packed['params'] = [index[id(p)] for p in group['params']]
            start += len(packed['params'])
            return packed
        groups = [pack_group(g) for g in self.param_groups]
        state = {index[id(k)]: v for k, v in self.state.items() if isinstance(k, Tensor) and id(k) in index}
        return {'state': state, 'param_groups': groups}

    def load_state_dict(self, state_dict):
        state_dict = state_dict.copy()
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict['param_groups'])
        if len(groups) != len(saved_groups):
            raise ValueError('loaded state dict has a different number of parameter groups')
        if any(len(g['params']) != len(s['params']) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's "
                             'group')
        id_map = dict(zip(itertools.chain.from_iterable(g['params'] for g in saved_groups),
                          itertools.chain.from_iterable(g['params'] for g in groups)))

        def cast(param, value, key=None):
            if isinstance(value, Tensor):
                if key == 'step':
                    return wrap(value._data.copy())
                arr = value.to(dtype=param.dtype if value.is_floating_point() else None,
                               device=param.device)._data
                return wrap(arr.copy() if arr is value._data else arr)
            if isinstance(value, dict):
                return {k: cast(param, v, k) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return type(value)(cast(param, v) for v in value)
            return copy.deepcopy(value)
        state = defaultdict(dict)
        for k, v in state_dict['state'].items():
            if k in id_map:
                p = id_map[k]
                state[p] = cast(p, v)
            else:
                state[k] = v

        def update_group(group, new_group):
            new_group['params'] = group['params']
            if 'param_names' in group and 'param_names' not in new_group:
                new_group['param_names'] = group['param_names']
            return new_group
        self.__setstate__({'state': state,
                           'param_groups': [update_group(g, ng) for g, ng in zip(groups, saved_groups)]})
