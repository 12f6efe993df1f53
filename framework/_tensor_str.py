"""PyTorch's tensor printing: the same number formats, widths, line breaks and suffixes.

Follows torch/_tensor_str.py: one formatter for the whole tensor decides between integer mode
(`27.`), fixed (`0.0255`) and scientific (`1.0240e+02`) notation from the range of the finite
non-zero values, then rows are wrapped at 80 columns and long tensors summarized with `...`.
"""
import math

import numpy as np

PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80
_opts = {'precision': PRECISION, 'threshold': THRESHOLD, 'edgeitems': EDGEITEMS, 'linewidth': LINEWIDTH,
         'sci_mode': None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    if profile == 'default':
        _opts.update(precision=4, threshold=1000, edgeitems=3, linewidth=80)
    elif profile == 'short':
        _opts.update(precision=2, threshold=1000, edgeitems=2, linewidth=80)
    elif profile == 'full':
        _opts.update(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)
    for k, v in (('precision', precision), ('threshold', threshold), ('edgeitems', edgeitems),
                 ('linewidth', linewidth)):
        if v is not None:
            _opts[k] = v
    _opts['sci_mode'] = sci_mode


class _Formatter:
    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = _opts['precision']
        if not floating:
            for v in values.reshape(-1).tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        flat = values.reshape(-1).astype(np.float64)
        finite = flat[np.isfinite(flat) & (flat != 0)]
        if finite.size == 0:
            return
        absv = np.abs(finite)
        lo, hi = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        items = finite.tolist()
        if self.int_mode:
            if hi / lo > 1000.0 or hi > 1.0e8:
                self.sci_mode = True
                self.max_width = max(len(f'{v:.{p}e}') for v in items)
            else:
                self.max_width = max(len(f'{v:.0f}') + 1 for v in items)
        elif hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
            self.sci_mode = True
            self.max_width = max(len(f'{v:.{p}e}') for v in items)
        else:
            self.max_width = max(len(f'{v:.{p}f}') for v in items)
        if _opts['sci_mode'] is not None:
            self.sci_mode = _opts['sci_mode']

    def format(self, v):
        p = _opts['precision']
        if self.floating:
            if self.sci_mode:
                s = f'{v:{self.max_width}.{p}e}'
            elif self.int_mode:
                s = f'{v:.0f}'
                if not (math.isinf(v) or math.isnan(v)):
                    s += '.'
            else:
                s = f'{v:.{p}f}'
        elif isinstance(v, bool):
            s = str(v)
        else:
            s = str(v)
        return (self.max_width - len(s)) * ' ' + s


def _summarized(a):
    e = _opts['edgeitems']
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * e:
        a = np.concatenate([a[:e], a[-e:]])
    return np.stack([_summarized(x) for x in a]) if a.ndim > 1 else a


def _vector(a, indent, summarize, fmt):
    e = _opts['edgeitems']
    per_line = max(1, int(math.floor((_opts['linewidth'] - indent) / (fmt.max_width + 2))))
    vals = a.tolist()
    if summarize and len(vals) > 2 * e:
        data = [fmt.format(v) for v in vals[:e]] + [' ...'] + [fmt.format(v) for v in vals[-e:]]
    else:
        data = [fmt.format(v) for v in vals]
    lines = [', '.join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return '[' + (',' + '\n' + ' ' * (indent + 1)).join(lines) + ']'


def _body(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    e = _opts['edgeitems']
    if summarize and a.shape[0] > 2 * e:
        parts = ([_body(a[i], indent + 1, summarize, fmt) for i in range(e)] + ['...'] +
                 [_body(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0] - e, a.shape[0])])
    else:
        parts = [_body(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return '[' + (',' + '\n' * (a.ndim - 1) + ' ' * (indent + 1)).join(parts) + ']'


def array_str(a, indent):
    """The bracketed body for an array, as PyTorch prints it."""
    if a.size == 0:
        return '[]'
    summarize = a.size > _opts['threshold']
    floating = a.dtype.kind == 'f'
    sample = _summarized(a) if summarize else a
    fmt = _Formatter(sample, floating)
    return _body(a, indent, summarize, fmt)


def _add_suffixes(s, suffixes, indent):
    out = [s]
    last = len(s) - s.rfind('\n') + 1
    for suf in suffixes:
        if last + len(suf) + 2 > _opts['linewidth']:
            out.append(',\n' + ' ' * indent + suf)
            last = indent + len(suf)
        else:
            out.append(', ' + suf)
            last += len(suf) + 2
    out.append(')')
    return ''.join(out)


def tensor_repr(t, prefix='tensor('):
    from . import _dtype
    a = t._data
    if a.__class__ is not np.ndarray:
        a = a.get()
    indent = len(prefix)
    suffixes = []
    dev = t.device
    if dev.type != 'cpu':
        suffixes.append(f"device='{dev}'")
    if a.size == 0 and a.shape != (0,):
        suffixes.append('size=' + str(tuple(a.shape)))
    d = _dtype.of(a)
    # an empty tensor has no values to tell int64 or bool from: its dtype is always shown
    if d is not _dtype.get_default_dtype() and (a.size == 0 or d not in (_dtype.int64, _dtype.bool_)):
        suffixes.append('dtype=' + repr(d))
    body = array_str(a, indent)
    if t.grad_fn is not None:
        suffixes.append(f'grad_fn=<{type(t.grad_fn).__name__}>')
    elif t._rg:
        suffixes.append('requires_grad=True')
    return _add_suffixes(prefix + body, suffixes, indent)
