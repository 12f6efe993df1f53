"""Module: the base of every layer and model, with PyTorch's registration rules.

Assigning a Parameter, a Module or a registered buffer as an attribute puts it in the ordered
dicts `_parameters`, `_modules` or `_buffers` (insertion order is the order of `parameters()`,
`state_dict()` and `repr`); `__getattr__` finds them there. Everything that walks the tree
(`named_modules`, `named_parameters`, `state_dict`, `_apply`) is built on those three dicts.
"""
from collections import OrderedDict, namedtuple
import itertools

from .._tensor import Tensor, clear_grad
from .. import _dtype, _device
from .._hooks import RemovableHandle
from ..autograd.grad_mode import no_grad
from .parameter import Parameter, Buffer


def _typename(value):
    if isinstance(value, Tensor):
        return 'torch.' + _dtype.tensor_type_name(value._data.dtype)
    t = type(value)
    return t.__qualname__ if t.__module__ in ('builtins', None) else f'{t.__module__}.{t.__qualname__}'


def _addindent(s, n):
    lines = s.split('\n')
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + '\n' + '\n'.join(' ' * n + line for line in lines)


# Bumped by every change to any module's children: `_walk` caches the tree under this number.
_tree_version = [0]


def _changes_tree(method):
    def changed(self, *args, **kwargs):
        _tree_version[0] += 1
        return method(self, *args, **kwargs)
    changed.__name__ = method.__name__
    return changed


class _Children(dict):
    """`Module._modules`: a dict that counts its changes, however they are made (attribute
    assignment, containers, or user code writing `_modules` directly)."""
    __slots__ = ()
    __setitem__ = _changes_tree(dict.__setitem__)
    __delitem__ = _changes_tree(dict.__delitem__)
    __ior__ = _changes_tree(dict.__ior__)
    pop = _changes_tree(dict.pop)
    popitem = _changes_tree(dict.popitem)
    clear = _changes_tree(dict.clear)
    update = _changes_tree(dict.update)
    setdefault = _changes_tree(dict.setdefault)


class _IncompatibleKeys(namedtuple('IncompatibleKeys', ['missing_keys', 'unexpected_keys'])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return '<All keys matched successfully>'
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class for all neural network modules; subclasses define `forward`."""
    training: bool
    _version = 1
    call_super_init = False

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f'{type(self).__name__}.__init__() got an unexpected keyword argument '
                            f"'{next(iter(kwargs))}'" if kwargs else
                            f'{type(self).__name__}.__init__() takes 1 positional argument but {len(args) + 1} '
                            'were given')
        d = self.__dict__
        d['training'] = True
        d['_parameters'] = {}
        d['_buffers'] = {}
        d['_non_persistent_buffers_set'] = set()
        d['_forward_hooks'] = OrderedDict()
        d['_forward_hooks_with_kwargs'] = {}
        d['_forward_pre_hooks'] = OrderedDict()
        d['_forward_pre_hooks_with_kwargs'] = {}
        d['_state_dict_hooks'] = OrderedDict()
        d['_load_state_dict_pre_hooks'] = OrderedDict()
        d['_modules'] = _Children()

    def forward(self, *input):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ---------------------------------------------------------------- calling
    def __call__(self, *args, **kwargs):
        d = self.__dict__
        if not (d.get('_forward_hooks') or d.get('_forward_pre_hooks')):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                r = hook(self, args, kwargs)
                if r is not None:
                    if not (isinstance(r, tuple) and len(r) == 2):
                        raise RuntimeError('forward pre-hook must return None or a tuple of (new_args, new_kwargs), '
                                           f'but got {r}.')
                    args, kwargs = r
            else:
                r = hook(self, args)
                if r is not None:
                    args = r if isinstance(r, tuple) else (r,)
        result = self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_hooks.items()):
            if hid in self._forward_hooks_with_kwargs:
                r = hook(self, args, kwargs, result)
            else:
                r = hook(self, args, result)
            if r is not None:
                result = r
        return result

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    # ---------------------------------------------------------------- registration
    def __getattr__(self, name):
        d = self.__dict__
        if '_parameters' in d:
            p = d['_parameters']
            if name in p:
                return p[name]
        if '_buffers' in d:
            b = d['_buffers']
            if name in b:
                return b[name]
        if '_modules' in d:
            m = d['_modules']
            if name in m:
                return m[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        """Parameters, modules and buffers go into their ordered dicts, with PyTorch's errors for an
        assignment before __init__ or a wrong type into an existing slot; anything else is a plain attribute."""
        d = self.__dict__
        if isinstance(value, Parameter):
            self._claim(name, '_parameters', 'parameters')
            self.register_parameter(name, value)
        elif name in d.get('_parameters', ()):
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                '(torch.nn.Parameter or None expected)')
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._claim(name, '_modules', 'module')
            d['_modules'][name] = value
        elif name in d.get('_modules', ()):
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module '{name}' "
                                '(torch.nn.Module or None expected)')
            d['_modules'][name] = value
        elif isinstance(value, Buffer):
            self._claim(name, '_buffers', 'buffer')
            self.register_buffer(name, value, persistent=value.persistent)
        elif name in d.get('_buffers', ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                '(torch.nn.Buffer, torch.Tensor or None expected)')
            d['_buffers'][name] = value
        elif name == '_modules':
            _tree_version[0] += 1
            d[name] = _Children(value)
        else:
            object.__setattr__(self, name, value)

    def _claim(self, name, store, kind):
        """`name` is about to become one of `store`'s: only after __init__, and it leaves the other stores."""
        d = self.__dict__
        if store not in d:
            raise AttributeError(f'cannot assign {kind} before Module.__init__() call')
        d.pop(name, None)
        for other in ('_parameters', '_buffers', '_modules'):
            if other != store and name in d[other]:
                del d[other][name]
        if store != '_buffers':
            d['_non_persistent_buffers_set'].discard(name)

    def __delattr__(self, name):
        d = self.__dict__
        if name in d.get('_parameters', ()):
            del d['_parameters'][name]
        elif name in d.get('_buffers', ()):
            del d['_buffers'][name]
            d['_non_persistent_buffers_set'].discard(name)
        elif name in d.get('_modules', ()):
            del d['_modules'][name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = list(object.__dir__(self))
        keys += list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(set(k for k in keys if not k[0].isdigit()))

    def _check_name(self, kind, name, store):
        if not isinstance(name, str):
            raise TypeError(f'{kind} name should be a string. Got {_typename(name)}')
        if '.' in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == '':
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in store:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        if '_parameters' not in self.__dict__:
            raise AttributeError('cannot assign parameter before Module.__init__() call')
        self._check_name('parameter', name, self._parameters)
        if param is None:
            self._parameters[name] = None
            return
        if not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                            '(torch.nn.Parameter or None required)')
        if param.grad_fn is not None:
            raise ValueError(f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                             f'created explicitly. To express \'{name}\' as a function of another Tensor, compute '
                             'the value in the forward() method.')
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        if '_buffers' not in self.__dict__:
            raise AttributeError('cannot assign buffer before Module.__init__() call')
        self._check_name('buffer', name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            '(torch Tensor or None required)')
        if isinstance(tensor, Buffer):
            from .._tensor import wrap
            tensor = wrap(tensor._data)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f'{_typename(module)} is not a Module subclass')
        if not isinstance(name, str):
            raise TypeError(f'module name should be a string. Got {_typename(name)}')
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if '.' in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == '':
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        if target == '':
            return self
        mod = self
        for item in target.split('.'):
            if not hasattr(mod, item):
                raise AttributeError(mod._get_name() + ' has no attribute `' + item + '`')
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError('`' + item + '` is not an nn.Module')
        return mod

    def get_parameter(self, target):
        module_path, _, name = target.rpartition('.')
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(mod._get_name() + ' has no attribute `' + name + '`')
        p = getattr(mod, name)
        if not isinstance(p, Parameter):
            raise AttributeError('`' + name + '` is not an nn.Parameter')
        return p

    def get_buffer(self, target):
        module_path, _, name = target.rpartition('.')
        mod = self.get_submodule(module_path)
        if name not in mod._buffers:
            raise AttributeError('`' + name + '` is not a buffer')
        return mod._buffers[name]

    # ---------------------------------------------------------------- walking the tree
    def _named_members(self, get_members, prefix='', recurse=True, remove_duplicate=True):
        memo = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        for module_prefix, module in modules:
            for k, v in get_members(module):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (module_prefix + ('.' if module_prefix else '') + k, v)

    def parameters(self, recurse=True):
        memo = set()
        for m in (self._walk() if recurse else (self,)):
            for p in m._parameters.values():
                if p is not None and id(p) not in memo:
                    memo.add(id(p))
                    yield p

    def named_parameters(self, prefix='', recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix='', recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def children(self):
        for _, m in self.named_children():
            yield m

    def named_children(self):
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix='', remove_duplicate=True):
        # depth first, parents before children, as PyTorch's recursion; a stack instead of a generator
        # per level keeps the walk cheap (optimizers and zero_grad walk the tree every step)
        if memo is None:
            memo = set()
        stack = [(prefix, self)]
        while stack:
            prefix, module = stack.pop()
            if id(module) in memo:
                continue
            if remove_duplicate:
                memo.add(id(module))
            yield prefix, module
            subs = module._modules
            if subs:
                dot = prefix + '.' if prefix else ''
                stack.extend(reversed([(dot + name, m) for name, m in subs.items() if m is not None]))

    def _walk(self):
        """`tuple(self.modules())`, kept until any module's children change: optimizers and zero_grad
        walk the tree every step (measured: 7.7 µs cached vs 20.5 µs walked for the sin_fit model,
        two walks a step, about 5 % of sin_fit's step time)."""
        d = self.__dict__
        cached = d.get('_walk_cache')
        if cached is not None and cached[0] == _tree_version[0]:
            return (self,) + cached[1]
        out = tuple(self.modules())
        # the cache keeps the descendants only: a module holding itself would be a reference cycle
        d['_walk_cache'] = (_tree_version[0], out[1:])
        return out

    # ---------------------------------------------------------------- modes and gradients
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError('training mode is expected to be boolean')
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for m in self._walk():
            for p in m._parameters.values():
                g = None if p is None else p._grad
                if g is not None:
                    clear_grad(p, g, set_to_none)

    # ---------------------------------------------------------------- conversion
    def _apply(self, fn, recurse=True):
        if recurse:
            for m in self.children():
                m._apply(fn)
        with no_grad():
            for key, p in self._parameters.items():
                if p is None:
                    continue
                new = fn(p)
                if new is not p:
                    p._data = new._data
                if p.grad is not None:
                    g = fn(p.grad)
                    if g is not p.grad:
                        p.grad._data = g._data
            for key, b in self._buffers.items():
                if b is not None:
                    self._buffers[key] = fn(b)
        return self

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        device = kwargs.get('device')
        dtype = kwargs.get('dtype')
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (_device.device, int)) or (isinstance(a, str) and a.split(':')[0] in ('cpu', 'cuda')):
                device = a
            elif a is not None:
                dtype = a
        if dtype is not None:
            dtype = _dtype.to_dtype(dtype)
            if not (dtype.is_floating_point or getattr(dtype, 'is_complex', False)):
                raise TypeError('nn.Module.to only accepts floating point or complex dtypes, but got desired '
                                f'dtype={dtype}')
        if device is not None:
            device = _device.to_device(device)

        def convert(t):
            if dtype is not None and t.is_floating_point():
                return t.to(device=device, dtype=dtype)
            return t.to(device=device) if device is not None else t
        return self._apply(convert)

    def cuda(self, device=None):
        dev = _device.device('cuda', device if isinstance(device, int) else 0) \
            if not isinstance(device, (str, _device.device)) else device
        return self._apply(lambda t: t.to(device=dev))

    def cpu(self):
        return self._apply(lambda t: t.to(device='cpu'))

    def type(self, dst_type):
        return self._apply(lambda t: t.to(dst_type))

    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self):
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def share_memory(self):
        return self

    # ---------------------------------------------------------------- state dict
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *args, destination=None, prefix='', keep_vars=False):
        if args:
            destination = args[0] if destination is None else destination
            prefix = args[1] if len(args) > 1 else prefix
            keep_vars = args[2] if len(args) > 2 else keep_vars
        if destination is None:
            destination = OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination=destination, prefix=prefix + name + '.', keep_vars=keep_vars)
        for hook in self._state_dict_hooks.values():
            r = hook(self, destination, prefix, {})
            if r is not None:
                destination = r
        return destination

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        local = {k: v for k, v in itertools.chain(self._parameters.items(), persistent.items()) if v is not None}
        for name, param in local.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            if not isinstance(value, Tensor):
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
                                  f'object from checkpoint but received {type(value)}')
                continue
            if value.shape != param.shape:
                error_msgs.append(f'size mismatch for {key}: copying a param with shape {value.shape} from '
                                  f'checkpoint, the shape in current model is {param.shape}.')
                continue
            try:
                with no_grad():
                    param.copy_(value)
            except Exception as ex:
                error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in the model are '
                                  f'{param.shape} and whose dimensions in the checkpoint are {value.shape}, an '
                                  f'exception occurred : {ex.args}.')
        if strict:
            for key in state_dict.keys():
                if key.startswith(prefix):
                    input_name = key[len(prefix):].split('.', 1)
                    if input_name[0] not in self._modules and input_name[0] not in local:
                        unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        if not isinstance(state_dict, dict):
            raise TypeError(f'Expected state_dict to be dict-like, got {type(state_dict)}.')
        missing, unexpected, errors = [], [], []

        def load(module, prefix=''):
            module._load_from_state_dict(state_dict, prefix, {}, True, missing, unexpected, errors)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, prefix + name + '.')
        load(self)
        if strict:
            if unexpected:
                errors.insert(0, 'Unexpected key(s) in state_dict: {}. '.format(
                    ', '.join(f'"{k}"' for k in unexpected)))
            if missing:
                errors.insert(0, 'Missing key(s) in state_dict: {}. '.format(', '.join(f'"{k}"' for k in missing)))
        if errors:
            raise RuntimeError('Error(s) in loading state_dict for {}:\n\t{}'.format(
                type(self).__name__, '\n\t'.join(errors)))
        return _IncompatibleKeys(missing, unexpected)

    # ---------------------------------------------------------------- repr
    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        return ''

    def __repr__(self):
        extra_lines = []
        extra = self.extra_repr()
        if extra:
            extra_lines = extra.split('\n')
        child_lines = []
        for key, module in self._modules.items():
            mod_str = _addindent(repr(module), 2)
            child_lines.append('(' + key + '): ' + mod_str)
        lines = extra_lines + child_lines
        main = self._get_name() + '('
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += '\n  ' + '\n  '.join(lines) + '\n'
        return main + ')'

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop('_walk_cache', None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if not isinstance(self.__dict__.get('_modules'), (_Children, type(None))):
            self.__dict__['_modules'] = _Children(self.__dict__['_modules'])

