"""The fuzzed ops: one Spec per public op name, its call forms, and how its arguments are drawn.

A generator draws library-neutral arguments (`Arr` for a tensor, `D` for a dtype) from a `Gen`.
Arguments are valid most of the time and invalid on purpose some of the time: broadcast mismatches,
out-of-range and repeated dims, wrong dtypes, empty and 0-d tensors, NaN/inf, requires_grad on
inputs of ops that cannot take it. A form is how the op is called: `fn` (framework.op), `method`
(x.op), `inplace` (x.clone().op_), `F` (nn.functional.op), `op` (a Python operator) or `call`
(a spec's own lambda).
"""
import numpy as np

import framework

FLOATS = ('float32', 'float64')
INTS = ('int64', 'int32')
# ops the issue found missing: fuzzed even though framework lacks them, so they count as 'missing op'
MISSING_OK = {'cumprod', 'atan2', 'arctan2'}


class Arr:
    __slots__ = ('a', 'rg')

    def __init__(self, a, rg=False):
        self.a, self.rg = a, rg

    def __repr__(self):
        flat = self.a.ravel()[:6].tolist()
        more = ', ...' if self.a.size > 6 else ''
        return f'T({self.a.dtype.name}{list(self.a.shape)} {flat}{more}{", rg" if self.rg else ""})'


class D:
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f'D({self.name})'


class Gen:
    """Random argument parts; each method consumes the trial's one generator."""

    def __init__(self, rng):
        self.r = rng

    def p(self, prob):
        return self.r.random() < prob

    def choice(self, seq):
        return seq[int(self.r.integers(len(seq)))]

    def int(self, lo, hi):
        return int(self.r.integers(lo, hi + 1))

    def dtype(self, kinds='fib'):
        opts = []
        if 'f' in kinds:
            opts += ['float32'] * 5 + ['float64'] * 3
        if 'i' in kinds:
            opts += ['int64'] * 3 + ['int32']
        if 'b' in kinds:
            opts += ['bool'] * 2
        return self.choice(opts)

    def ndim(self, lo=0, hi=5):
        weights = np.array([0.12, 0.25, 0.3, 0.18, 0.09, 0.06])[lo:hi + 1]
        return lo + int(self.r.choice(len(weights), p=weights / weights.sum()))

    def shape(self, nd=None, lo=0, hi=5, empty=0.06):
        nd = self.ndim(lo, hi) if nd is None else nd
        return tuple(0 if self.p(empty) else self.int(1, 4) for _ in range(nd))

    def values(self, shape, dtype, special=0.08, domain=None):
        n = int(np.prod(shape, dtype=np.int64))
        if dtype == 'bool':
            return self.r.random(n).reshape(shape) < 0.5
        if dtype in INTS or dtype in ('uint8', 'int16', 'int8'):
            lo = 0 if domain == 'pos' or dtype == 'uint8' else -5
            return self.r.integers(lo, 6, n).astype(dtype).reshape(shape)
        v = self.r.standard_normal(n) * 2
        if domain == 'pos':
            v = np.abs(v) + 0.1
        elif domain == 'unit':
            v = np.tanh(v) * 0.95
        elif domain == 'prob':
            v = 1 / (1 + np.exp(-v))
        if self.p(0.3):
            for i in np.nonzero(self.r.random(n) < special)[0]:
                v[i] = self.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0])
        return v.astype(dtype).reshape(shape)

    def t(self, shape=None, dtype=None, rg=None, kinds='fib', domain=None, special=0.08):
        shape = self.shape() if shape is None else tuple(shape)
        dtype = self.dtype(kinds) if dtype is None else dtype
        if rg is None:
            rg = dtype in FLOATS and self.p(0.5)
        return Arr(self.values(shape, dtype, special, domain), rg)

    def bshape(self, shape, mismatch=0.08):
        """A shape that broadcasts with `shape` (or, sometimes, one that does not)."""
        if self.p(mismatch):
            return self.shape()
        s = list(shape[self.int(0, len(shape)):] if self.p(0.4) else shape)
        s = [1 if self.p(0.25) else d for d in s]
        if self.p(0.1):
            s = [self.int(1, 2)] + s
        return tuple(s)

    def dim(self, nd, bad=0.08):
        n = max(nd, 1)
        if self.p(bad):
            return self.choice([n, -n - 1, n + 2, 5])
        return self.int(-n, n - 1)

    def dims(self, nd, bad=0.08):
        n = max(nd, 1)
        k = self.int(1, n)
        ds = [int(d) for d in self.r.permutation(n)[:k]]
        ds = [d - n if self.p(0.3) else d for d in ds]
        if self.p(bad):
            ds.append(self.choice([ds[0], n, -n - 1]))
        return tuple(ds)

    def scalar(self, kinds='fib'):
        k = self.choice(kinds)
        if k == 'f':
            return self.choice([0.5, -1.5, 2.0, 0.0, 3.25, float('nan'), float('inf'), -0.75])
        if k == 'i':
            return self.choice([0, 1, 2, -3, 5])
        return self.choice([True, False])

    def kw(self, **opts):
        """Each keyword with probability 1/2, its value drawn by its callable."""
        return {k: f() for k, f in opts.items() if self.p(0.5)}


class Spec:
    def __init__(self, name, gen, forms=('fn', 'method'), area='core', values=True, grad=True, call=None,
                 method_name=None):
        self.name, self.gen, self.area, self.values, self.grad = name, gen, area, values, grad
        self._call = call
        self.method_name = method_name or name
        self.forms = tuple(f for f in forms if self._has(framework, f) or name in MISSING_OK)
        if not self.forms:
            raise ValueError(f'{name}: framework has none of the forms {forms}')

    def _has(self, T, form):
        if form == 'fn':
            return hasattr(T, self.name)
        if form == 'method':
            return hasattr(T.Tensor, self.method_name)
        if form == 'inplace':
            return hasattr(T.Tensor, self.method_name + '_')
        if form == 'F':
            return hasattr(T.nn.functional, self.name)
        return True

    def available(self, T, form):
        return self._has(T, form)

    def call(self, T, form, *a, **k):
        if self._call is not None:
            return self._call(T, form, *a, **k)
        if form == 'fn':
            return getattr(T, self.name)(*a, **k)
        if form == 'method':
            return getattr(a[0], self.method_name)(*a[1:], **k)
        if form == 'inplace':
            y = a[0].clone()
            r = getattr(y, self.method_name + '_')(*a[1:], **k)
            return (y, r is y) if self.name not in ('detach',) else y
        if form == 'F':
            return getattr(T.nn.functional, self.name)(*a, **k)
        raise ValueError(form)


SPECS = []
COVERED = {'fn': set(), 'method': set(), 'F': set()}


def spec(name, gen, forms=('fn', 'method'), **kw):
    s = Spec(name, gen, forms, **kw)
    SPECS.append(s)
    for f in s.forms:
        if f in ('fn', 'F'):
            COVERED[f].add(name)
        elif f == 'method':
            COVERED['method'].add(s.method_name)
        elif f == 'inplace':
            COVERED['method'].add(s.method_name + '_')
    return s


# ---------------------------------------------------------------- elementwise
def g_unary(g):
    return [g.t()], {}


def g_round(g):
    return [g.t()], g.kw(decimals=lambda: g.choice([0, 1, 2, -1]))


UNARY = ('exp log sin cos tanh sigmoid relu sqrt abs sign tan atan arctan log1p expm1 log2 log10 rsqrt reciprocal '
         'square floor ceil trunc fix frac neg negative absolute isnan isinf isfinite logical_not bitwise_not '
         'clone').split()
for _n in UNARY:
    spec(_n, g_unary, ('fn', 'method', 'inplace'))
spec('round', g_round, ('fn', 'method', 'inplace'))


def _other(g, x):
    if g.p(0.3):
        return g.scalar()
    return g.t(g.bshape(x.a.shape))


def g_binary(g):
    x = g.t()
    return [x, _other(g, x)], {}


def g_add(g):
    x = g.t()
    return [x, _other(g, x)], g.kw(alpha=lambda: g.choice([2, 0.5, -1, True]))


def g_div(g):
    x = g.t()
    return [x, _other(g, x)], g.kw(rounding_mode=lambda: g.choice(['trunc', 'floor', None, 'bad']))


BINARY = ('mul pow multiply true_divide maximum minimum fmax fmin floor_divide remainder fmod eq ne gt ge lt le '
          'greater greater_equal less less_equal not_equal logical_and logical_or logical_xor bitwise_and bitwise_or '
          'bitwise_xor atan2 arctan2 float_power').split()
for _n in BINARY:
    spec(_n, g_binary, ('fn', 'method', 'inplace'))
for _n in ('add', 'sub', 'subtract'):
    spec(_n, g_add, ('fn', 'method', 'inplace'))
spec('rsub', g_add, ('fn',))
for _n in ('div', 'divide'):
    spec(_n, g_div, ('fn', 'method', 'inplace'))

_OPS = {
    'a+b': lambda a, b: a + b, 'a-b': lambda a, b: a - b, 'a*b': lambda a, b: a * b, 'a/b': lambda a, b: a / b,
    'a//b': lambda a, b: a // b, 'a%b': lambda a, b: a % b, 'a**b': lambda a, b: a ** b, 'a==b': lambda a, b: a == b,
    'a!=b': lambda a, b: a != b, 'a<b': lambda a, b: a < b, 'a<=b': lambda a, b: a <= b, 'a>b': lambda a, b: a > b,
    'a>=b': lambda a, b: a >= b, 'a&b': lambda a, b: a & b, 'a|b': lambda a, b: a | b, 'a^b': lambda a, b: a ^ b,
    'b+a': lambda a, b: b + a, 'b-a': lambda a, b: b - a, 'b*a': lambda a, b: b * a, 'b/a': lambda a, b: b / a,
    'b//a': lambda a, b: b // a, 'b%a': lambda a, b: b % a, 'b**a': lambda a, b: b ** a, 'b<a': lambda a, b: b < a,
    'b&a': lambda a, b: b & a,
}


def _iop(op):
    def f(a, b):
        y = a.clone()
        if op == '+=':
            y += b
        elif op == '-=':
            y -= b
        elif op == '*=':
            y *= b
        elif op == '/=':
            y /= b
        elif op == '//=':
            y //= b
        elif op == '%=':
            y %= b
        return y
    return f


for _op in ('+=', '-=', '*=', '/=', '//=', '%='):
    _OPS['a' + _op + 'b'] = _iop(_op)


def g_operator(g):
    x = g.t()
    return [g.choice(sorted(_OPS)), x, _other(g, x)], {}


spec('operator', g_operator, ('call',), call=lambda T, form, op, a, b: _OPS[op](a, b))
spec('unary_operator', lambda g: [g.choice(['-', '~', 'abs', '+']), g.t()], ('call',),
     call=lambda T, form, op, a: {'-': lambda: -a, '~': lambda: ~a, 'abs': lambda: abs(a), '+': lambda: +a}[op]())


def _bound(g, x):
    r = g.choice(['none', 'scalar', 'scalar', 'tensor'])
    if r == 'none':
        return None
    if r == 'scalar':
        return g.scalar('fi' if x.a.dtype != bool else 'fib')
    return g.t(g.bshape(x.a.shape), dtype=x.a.dtype.name if g.p(0.7) else None)


def g_clamp(g):
    x = g.t()
    lo, hi = _bound(g, x), _bound(g, x)
    if g.p(0.5):
        return [x], {k: v for k, v in (('min', lo), ('max', hi)) if v is not None or g.p(0.3)}
    return [x, lo, hi], {}


for _n in ('clamp', 'clip'):
    spec(_n, g_clamp, ('fn', 'method', 'inplace'))


def g_clamp_one(g):
    x = g.t()
    b = _bound(g, x)
    return [x, 0.5 if b is None else b], {}


for _n in ('clamp_min', 'clamp_max'):
    spec(_n, g_clamp_one, ('fn', 'method', 'inplace'))


def g_where(g):
    x = g.t()
    cond = g.t(g.bshape(x.a.shape), 'bool' if g.p(0.9) else None)
    y = g.scalar() if g.p(0.25) else g.t(g.bshape(x.a.shape))
    if g.p(0.1):
        return [cond], {}
    return [cond, x, y], {}


spec('where', g_where, ('fn',))
spec('where_method', lambda g: ((lambda a: [a[1], a[0], a[2]] if len(a) == 3 else [g.t(), a[0], g.t()])(
    g_where(g)[0]), {}), ('call',), call=lambda T, form, x, cond, y: x.where(cond, y))
COVERED['method'].add('where')


def g_isclose(g):
    x = g.t(kinds='fi')
    return [x, g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.8) else None)], g.kw(
        rtol=lambda: g.choice([1e-5, 0.1]), atol=lambda: g.choice([1e-8, 0.5]), equal_nan=lambda: g.p(0.5))


spec('isclose', g_isclose)
spec('allclose', g_isclose)
spec('equal', lambda g: (lambda x: ([x, g.t(x.a.shape if g.p(0.7) else g.shape(), x.a.dtype.name
                                             if g.p(0.8) else None)], {}))(g.t()))

# ---------------------------------------------------------------- reductions
def g_reduce(dim_kind='tuple', dtype=False, need_dim=False, kinds='fib'):
    def gen(g):
        x = g.t(kinds=kinds)
        nd = x.a.ndim
        kw = {}
        if need_dim or g.p(0.6):
            kw['dim'] = g.dims(nd) if dim_kind == 'tuple' and g.p(0.4) else g.dim(nd)
            if g.p(0.05):
                kw['dim'] = None
            if g.p(0.5):
                kw['keepdim'] = g.p(0.5)
        if dtype and g.p(0.25):
            kw['dtype'] = D(g.choice(['float64', 'float32', 'int64']))
        if need_dim and 'keepdim' in kw:
            del kw['keepdim']
        if g.p(0.3) and 'dim' in kw:
            return [x, kw.pop('dim')] + ([kw.pop('keepdim')] if 'keepdim' in kw and g.p(0.5) else []), kw
        return [x], kw
    return gen


spec('sum', g_reduce(dtype=True))
spec('mean', g_reduce(dtype=True))
spec('prod', g_reduce('int', dtype=True))
for _n in ('amax', 'amin', 'all', 'any', 'count_nonzero', 'logsumexp'):
    spec(_n, g_reduce())
for _n in ('argmax', 'argmin'):
    spec(_n, g_reduce('int'))
for _n in ('max', 'min'):
    spec(_n, g_reduce('int'))
    spec(_n + '_other', g_binary, ('call',),
         call=(lambda n: lambda T, form, a, b: getattr(T, n)(a, b) if isinstance(b, T.Tensor) else
               getattr(T, n)(a))(_n))
spec('aminmax', lambda g: (lambda x: ([x], g.kw(dim=lambda: g.dim(x.a.ndim), keepdim=lambda: g.p(0.5))))(g.t()))


def g_varstd(g):
    x, kw = g_reduce()(g)
    if g.p(0.5):
        kw['correction' if g.p(0.5) else 'unbiased'] = g.choice([0, 1, 2]) if g.p(0.5) else g.p(0.5)
    return x, kw


def g_varstd_mean(g):
    # no infinities: PyTorch's var_mean/std_mean take the mean from Welford's update, which gives nan once an
    # infinity is followed by a finite element, where torch.mean (and framework) give +-inf (docs/FUZZING.md)
    (x, *rest), kw = g_varstd(g)
    if x.a.dtype.kind == 'f':
        x.a[np.isinf(x.a)] = 1.0
    return [x, *rest], kw


for _n in ('var', 'std'):
    spec(_n, g_varstd)
for _n in ('var_mean', 'std_mean'):
    spec(_n, g_varstd_mean)


def g_norm(g):
    x = g.t(kinds='fi' if g.p(0.2) else 'f')
    kw = {}
    if g.p(0.8):
        kw['p'] = g.choice([1, 2, 3, 0, 0.5, float('inf'), float('-inf'), 'fro', 'nuc', -1, 1.5])
    if g.p(0.5):
        kw['dim'] = g.dim(x.a.ndim) if g.p(0.6) else g.dims(x.a.ndim)
    if g.p(0.3):
        kw['keepdim'] = g.p(0.5)
    return [x], kw


spec('norm', g_norm)


def g_cum(g):
    x = g.t()
    kw = {'dim': g.dim(x.a.ndim)}
    if g.p(0.2):
        kw['dtype'] = D(g.choice(['float64', 'float32', 'int64']))
    return [x], kw


spec('cumsum', g_cum)
spec('cumprod', g_cum)


def g_softmax(g):
    x = g.t(kinds='f' if g.p(0.8) else 'fib')
    kw = {'dim': g.dim(x.a.ndim)}
    if g.p(0.2):
        kw['dtype'] = D(g.choice(['float64', 'float32']))
    return [x], kw


for _n in ('softmax', 'log_softmax'):
    spec(_n, g_softmax, ('fn', 'method', 'F'))
spec('softmin', g_softmax, ('F',))

# ---------------------------------------------------------------- shapes
def g_reshape(g):
    x = g.t()
    n = x.a.size
    opts = [(n,), (-1,), (1, n), (n, 1, -1), tuple(reversed(x.a.shape)), (n + 1,), (-1, -1), (2, -1), (0, -1)]
    s = g.choice(opts)
    return ([x, s] if g.p(0.5) else [x, *s]) if s else [x, s], {}


spec('reshape', g_reshape)
spec('view', g_reshape, ('method',), area='indexing')


def g_flatten(g):
    x = g.t()
    return [x], g.kw(start_dim=lambda: g.dim(x.a.ndim), end_dim=lambda: g.dim(x.a.ndim))


spec('flatten', g_flatten)
spec('unsqueeze', lambda g: (lambda x: ([x, g.dim(x.a.ndim + 1)], {}))(g.t()))


def g_squeeze(g):
    x = g.t(g.shape() if g.p(0.5) else tuple(g.choice([1, 1, 2]) for _ in range(g.ndim())))
    r = g.choice(['none', 'dim', 'tuple'])
    if r == 'none':
        return [x], {}
    return [x, g.dim(x.a.ndim) if r == 'dim' else g.dims(x.a.ndim)], {}


spec('squeeze', g_squeeze)
for _n in ('transpose', 'swapaxes', 'swapdims'):
    spec(_n, lambda g: (lambda x: ([x, g.dim(x.a.ndim), g.dim(x.a.ndim)], {}))(g.t()))
spec('t', lambda g: ([g.t(g.shape(hi=3))], {}))


def g_permute(g):
    x = g.t()
    n = x.a.ndim
    d = [int(v) for v in g.r.permutation(n)]
    if g.p(0.1) and n:
        d[0] = d[-1] if n > 1 else n
    if g.p(0.05):
        d = d + [0]
    return ([x, d] if g.p(0.5) else [x, *d]), {}


spec('permute', g_permute)


def g_movedim(g):
    x = g.t()
    n = x.a.ndim
    if g.p(0.5):
        return [x, g.dim(n), g.dim(n)], {}
    k = g.int(1, max(n, 1))
    return [x, g.dims(n, 0.05)[:k], g.dims(n, 0.05)[:k]], {}


for _n in ('movedim', 'moveaxis'):
    spec(_n, g_movedim)


def g_cat(g):
    base = g.shape(lo=1)
    dim = g.dim(len(base))
    parts = []
    for _ in range(g.int(1, 3)):
        s = list(base)
        if g.p(0.7):
            s[dim % len(s) if -len(s) <= dim < len(s) else 0] = g.int(0, 3)
        if g.p(0.06):
            s = list(g.shape())
        if g.p(0.08):
            s = [0]   # the legacy empty tensor, which cat skips
        parts.append(g.t(s, 'float32' if g.p(0.7) else None))
    if g.p(0.1):
        return [tuple(parts)], {}
    return ([parts, dim] if g.p(0.5) else [parts]), {}


for _n in ('cat', 'concat', 'concatenate'):
    spec(_n, g_cat, ('fn',))


def g_stack(g):
    s = g.shape(hi=4)
    parts = [g.t(s if g.p(0.92) else g.shape(), 'float32' if g.p(0.7) else None) for _ in range(g.int(1, 3))]
    return [parts, g.dim(len(s) + 1)] if g.p(0.7) else [parts], {}


spec('stack', g_stack, ('fn',))
for _n in ('hstack', 'vstack'):
    spec(_n, lambda g: (lambda s: ([[g.t(s if g.p(0.9) else g.shape(), 'float32') for _ in range(g.int(1, 3))]], {}))(
        g.shape(hi=3)), ('fn',))
spec('flip', lambda g: (lambda x: ([x, g.dims(x.a.ndim)], {}))(g.t()))


def g_tile(g):
    x = g.t(g.shape(hi=3))
    reps = tuple(g.int(0, 2) for _ in range(g.int(0, 4)))
    return [x, reps], {}


spec('tile', g_tile)
spec('repeat', lambda g: (lambda x: ([x, tuple(g.int(0, 2) for _ in range(g.int(0, 4)))], {}))(g.t(g.shape(hi=3))),
     ('method',))


def g_tri(g):
    x = g.t(g.shape(lo=0 if g.p(0.1) else 2, hi=4))
    return [x], g.kw(diagonal=lambda: g.int(-3, 3))


spec('tril', g_tri, ('fn', 'method'))
spec('triu', g_tri, ('fn', 'method'))


def g_unflatten(g):
    x = g.t(g.shape(lo=1))
    d = g.dim(x.a.ndim)
    n = x.a.shape[d] if -x.a.ndim <= d < x.a.ndim else 2
    sizes = g.choice([(n,), (1, n), (n, 1), (-1,), (-1, 1), (n + 1,), (2, -1)])
    return [x, d, sizes], {}


spec('unflatten', g_unflatten)
spec('ravel', g_unary)


def g_broadcast_to(g):
    x = g.t(g.shape(hi=3))
    s = list(x.a.shape)
    s = [g.int(1, 3) if d == 1 and g.p(0.5) else d for d in s]
    if g.p(0.4):
        s = [g.int(1, 2)] + s
    if g.p(0.1):
        s = list(g.shape())
    if g.p(0.1) and s:
        s[0] = -1
    return [x, tuple(s)], {}


spec('broadcast_to', g_broadcast_to)
spec('expand', g_broadcast_to, ('method',), area='indexing')
spec('broadcast_tensors', lambda g: (lambda x: (
    [x] + [g.t(g.bshape(x.a.shape)) for _ in range(g.int(0, 2))], {}))(g.t()), ('fn',))
spec('atleast_1d', g_unary, ('fn',))
spec('expand_as', lambda g: (lambda a: ([a[0], g.t(tuple(abs(d) for d in a[1]))], {}))(g_broadcast_to(g)[0]),
     ('method',), area='indexing')
spec('view_as', lambda g: (lambda x: ([x, g.t(g.choice([x.a.shape, (x.a.size,), (1, x.a.size), (x.a.size + 1,)]))],
                                       {}))(g.t()), ('method',), area='indexing')
spec('reshape_as', lambda g: (lambda x: ([x, g.t(g.choice([x.a.shape, (x.a.size,), (x.a.size + 1,)]))], {}))(g.t()),
     ('method',))
spec('sum_to_size', lambda g: (lambda x: ([x, g.choice([(1,), tuple(1 for _ in x.a.shape), x.a.shape[1:],
                                                         (5, 5)])], {}))(g.t()), ('method',))
spec('contiguous', g_unary, ('method',))

# split-like ops and other views: the indexing/view area
def g_split(g):
    x = g.t(g.shape(lo=1))
    d = g.dim(x.a.ndim)
    n = x.a.shape[d] if -x.a.ndim <= d < x.a.ndim else 2
    size = g.choice([1, 2, 3, [n], [1, max(n - 1, 0)], [n + 1], 0])
    return [x, size, d] if g.p(0.5) else [x, size], ({'dim': d} if g.p(0.3) else {})


def _split_call(T, form, x, size, *a, **k):
    if 'dim' in k and a:
        k = {}
    return getattr(T, 'split')(x, size, *a, **k) if form == 'fn' else x.split(size, *a, **k)


spec('split', g_split, area='indexing', call=_split_call)


def g_chunk(g):
    x = g.t(g.shape(lo=1))
    return [x, g.choice([1, 2, 3, 5, 0])], ({'dim': g.dim(x.a.ndim)} if g.p(0.6) else {})


spec('chunk', g_chunk, area='indexing')
spec('tensor_split', lambda g: (lambda x: ([x, g.choice([1, 2, 3, [1], [1, 3], (0, 2)])], (
    {'dim': g.dim(x.a.ndim)} if g.p(0.6) else {})))(g.t(g.shape(lo=1))), area='indexing')
spec('unbind', lambda g: (lambda x: ([x], {'dim': g.dim(x.a.ndim)} if g.p(0.7) else {}))(g.t(g.shape(lo=0))),
     area='indexing')


def g_narrow(g):
    x = g.t(g.shape(lo=1))
    d = g.dim(x.a.ndim)
    return [x, d, g.int(-2, 3), g.int(0, 3)], {}


spec('narrow', g_narrow, area='indexing')
spec('select', lambda g: (lambda x: ([x, g.dim(x.a.ndim), g.int(-3, 3)], {}))(g.t(g.shape(lo=1))), area='indexing')

# ---------------------------------------------------------------- linear algebra
def g_matmul(g):
    k = g.int(0, 3)
    a_nd = g.choice([1, 2, 2, 3, 4])
    b_nd = g.choice([1, 2, 2, 3])
    batch = g.shape(nd=max(a_nd, b_nd) - 2 if max(a_nd, b_nd) > 2 else 0, empty=0.02)
    dt = 'float32' if g.p(0.6) else g.dtype()
    def shape(nd, first):
        if nd == 1:
            return (k,)
        lead = batch[len(batch) - (nd - 2):] if nd > 2 else ()
        lead = tuple(1 if g.p(0.2) else d for d in lead)
        return lead + ((g.int(0, 3), k) if first else (k, g.int(0, 3)))
    sa, sb = shape(a_nd, True), shape(b_nd, False)
    if g.p(0.08):
        sb = g.shape(hi=3)
    return [g.t(sa, dt), g.t(sb, dt if g.p(0.9) else None)], {}


spec('matmul', g_matmul)
spec('matmul_op', g_matmul, ('call',), call=lambda T, form, a, b: a @ b)


def g_fixed_nd(na, nb):
    def gen(g):
        k = g.int(0, 3)
        n, m, b = g.int(0, 3), g.int(0, 3), g.int(0, 2)
        shapes = {('mm', 0): (n, k), ('mm', 1): (k, m), ('bmm', 0): (b, n, k), ('bmm', 1): (b, k, m),
                  ('mv', 0): (n, k), ('mv', 1): (k,), ('dot', 0): (k,), ('dot', 1): (k,)}
        sa, sb = shapes[(na, 0)], shapes[(nb, 1)]
        if g.p(0.1):
            sb = g.shape(hi=3)
        dt = 'float32' if g.p(0.6) else g.dtype()
        return [g.t(sa, dt), g.t(sb, dt if g.p(0.9) else None)], {}
    return gen


for _n in ('mm', 'bmm', 'mv', 'dot'):
    spec(_n, g_fixed_nd(_n, _n))


def g_linear(g):
    k, o = g.int(0, 3), g.int(0, 3)
    x = g.t(g.shape(hi=3)[:-1] + (k,) if g.p(0.9) else g.shape(), 'float32' if g.p(0.8) else None)
    w = g.t((o, k) if g.p(0.75) else (k,) if g.p(0.7) else g.shape(hi=2), 'float32')
    args = [x, w]
    if g.p(0.5):
        args.append(g.t((o,) if w.a.ndim == 2 else (), 'float32') if g.p(0.9) else g.t(g.shape(hi=2), 'float32'))
    return args, {}


spec('linear', g_linear, ('F',))

# ---------------------------------------------------------------- comparison, search
spec('nonzero', lambda g: ([g.t()], g.kw(as_tuple=lambda: g.p(0.5))), grad=False)
spec('argwhere', g_unary, grad=False)

# ---------------------------------------------------------------- indexing (the indexing/view area)
def g_index(g):
    x = g.t(g.shape(lo=1))
    idx = []
    for d in x.a.shape[:g.int(1, x.a.ndim)]:
        kind = g.choice(['int', 'int', 'slice', 'slice', 'list', 'tensor', 'none', 'ellipsis', 'bool'])
        if kind == 'int':
            idx.append(g.int(-d - 1 if g.p(0.1) else -d, d if g.p(0.1) else max(d - 1, -1)) if d else 0)
        elif kind == 'slice':
            idx.append(slice(g.choice([None, 0, 1, -1]), g.choice([None, 2, -1, 5]), g.choice([None, 1, 2])))
        elif kind == 'list':
            idx.append([g.int(-d, max(d - 1, 0)) for _ in range(g.int(1, 2))] if d else [])
        elif kind == 'tensor':
            idx.append(Arr(np.array([g.int(-d, max(d - 1, 0)) for _ in range(g.int(0, 2))], np.int64) if d else
                           np.zeros(0, np.int64)))
        elif kind == 'none':
            idx.append(None)
        elif kind == 'ellipsis':
            idx.append(Ellipsis)
        else:
            idx.append(Arr(g.r.random(d) < 0.5))
    if idx.count(Ellipsis) > 1:
        idx = [i for i in idx if i is not Ellipsis]
    return [x, tuple(idx) if len(idx) != 1 or g.p(0.5) else idx[0]], {}


spec('getitem', g_index, ('call',), area='indexing', call=lambda T, form, x, idx: x[idx])


def _setitem(T, form, x, idx, v):
    y = x.clone()
    y[idx] = v
    return y


spec('setitem', lambda g: (lambda a: (a + [g.scalar() if g.p(0.4) else g.t(g.shape(hi=2), 'float32')], {}))(
    g_index(g)[0]), ('call',), area='indexing', call=_setitem)


def _view_inplace(T, form, x, idx, meth, v):
    y = x.clone()
    getattr(y[idx], meth)(v) if v is not None else getattr(y[idx], meth)()
    return y


spec('view_inplace', lambda g: (lambda a: (a + g.choice([['add_', 1.5], ['mul_', 2], ['neg_', None],
                                                          ['zero_', None], ['fill_', 3]]), {}))(g_index(g)[0]),
     ('call',), area='indexing', call=_view_inplace)


def _index_arr(g, n, shape, bad=0.08):
    hi = max(n - 1, 0)
    a = g.r.integers(-n if g.p(0.1) else 0, hi + 1 if n else 1, int(np.prod(shape, dtype=np.int64))).reshape(shape)
    if g.p(bad):
        a = a + n + 1
    return Arr(np.asarray(a, dtype=np.int64))        # an array also for shape () (a + n + 1 gives a scalar)


def g_gather(g):
    x = g.t(g.shape(lo=1, hi=3))
    d = g.dim(x.a.ndim)
    n = x.a.shape[d] if -x.a.ndim <= d < x.a.ndim else 1
    s = tuple(min(v, g.int(0, v)) if g.p(0.5) else v for v in x.a.shape)
    return [x, d, _index_arr(g, n, s)], {}


spec('gather', g_gather, area='indexing')
spec('take_along_dim', g_gather, area='indexing',
     call=lambda T, form, x, d, i: T.take_along_dim(x, i, dim=d) if form == 'fn' else x.take_along_dim(i, dim=d))


def g_scatter(g):
    (x, d, i), _ = g_gather(g)
    src = g.t(i.a.shape, x.a.dtype.name) if g.p(0.7) else g.scalar('f')
    return [x, d, i, src], {}


for _n in ('scatter', 'scatter_add'):
    spec(_n, g_scatter, ('fn', 'method', 'inplace'), area='indexing')


def g_index_select(g):
    x = g.t(g.shape(lo=0, hi=3))
    d = g.dim(x.a.ndim)
    n = x.a.shape[d] if x.a.ndim and -x.a.ndim <= d < x.a.ndim else 1
    return [x, d, _index_arr(g, n, (g.int(0, 4),))], {}


spec('index_select', g_index_select, area='indexing')
spec('index_fill', lambda g: (lambda a: (a + [g.scalar('fi')], {}))(g_index_select(g)[0]), ('inplace',),
     area='indexing')


def g_masked(g):
    x = g.t()
    return [x, g.t(g.bshape(x.a.shape), 'bool' if g.p(0.9) else None), g.scalar('fi') if g.p(0.8) else g.t(())], {}


spec('masked_fill', g_masked, ('fn', 'method', 'inplace'), area='indexing')
spec('masked_select', lambda g: (g_masked(g)[0][:2], {}), area='indexing')

# ---------------------------------------------------------------- conversions and tensor utilities
for _n in ('float', 'double', 'long', 'int', 'bool', 'half', 'detach', 'item', 'tolist', 'numel', 'dim',
           'ndimension', 'nelement', 'element_size', 'is_floating_point', 'is_contiguous'):
    spec(_n, g_unary, ('method',), grad=_n not in ('detach',))
spec('numel', g_unary, ('fn',))
spec('size', lambda g: (lambda x: ([x] + ([g.dim(x.a.ndim)] if g.p(0.7) else []), {}))(g.t()), ('method',))
spec('to', lambda g: ([g.t(), D(g.choice(['float64', 'float32', 'int64', 'bool', 'int32']))], g.kw(
    copy=lambda: g.p(0.5))), ('method',))
spec('type', lambda g: ([g.t(), D(g.choice(['float64', 'float32', 'int64', 'bool']))], {}), ('method',))
spec('type_as', lambda g: ([g.t(), g.t(g.shape(hi=2))], {}), ('method',))


def g_new(kind):
    def gen(g):
        x = g.t()
        s = g.shape(hi=3)
        args = [x, list(s) if g.p(0.3) else s] if kind != 'tensor' else [x, g.values(s, g.dtype()).tolist()]
        if kind == 'full':
            args.append(g.scalar())
        return args, g.kw(dtype=lambda: D(g.dtype()), requires_grad=lambda: g.p(0.3))
    return gen


for _k in ('zeros', 'ones', 'full', 'empty', 'tensor'):
    spec('new_' + _k, g_new(_k), ('method',), values=_k != 'empty')
spec('fill', lambda g: ([g.t(), g.scalar() if g.p(0.85) else g.t(g.choice([(), (1,), (2,)]))], {}), ('inplace',))
spec('zero', g_unary, ('inplace',))
spec('copy', lambda g: (lambda x: ([x, g.t(g.bshape(x.a.shape))], {}))(g.t()), ('inplace',))
spec('lerp', lambda g: (lambda x: ([x, g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.9) else None),
                                    g.scalar('f') if g.p(0.6) else g.t(g.bshape(x.a.shape), x.a.dtype.name)], {}))(
    g.t(kinds='f')), ('inplace',))
for _n in ('addcmul', 'addcdiv'):
    spec(_n, lambda g: (lambda x: ([x, g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.9) else None),
                                    g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.9) else None)],
                                   g.kw(value=lambda: g.choice([0.5, 2, -1]))))(g.t(kinds='f' if g.p(0.8) else 'fib')),
         ('inplace',))
spec('requires_grad', lambda g: ([g.t(rg=False)], g.kw(requires_grad=lambda: g.p(0.7))), ('call',),
     call=lambda T, form, x, **k: x.requires_grad_(**k))

# ---------------------------------------------------------------- creation
def _size_args(g):
    s = g.shape(hi=3)
    if g.p(0.05):
        s = s + (-1,)
    return [s] if g.p(0.4) else list(s)


def _factory_kw(g, kinds='fib'):
    return g.kw(dtype=lambda: D(g.dtype(kinds)), requires_grad=lambda: g.p(0.4))


for _n in ('zeros', 'ones', 'empty', 'rand', 'randn'):
    spec(_n, lambda g: (_size_args(g), _factory_kw(g, 'f' if g.p(0.5) else 'fib')), ('fn',),
         values=_n in ('zeros', 'ones'), grad=False)
spec('full', lambda g: ([g.shape(hi=3) if g.p(0.8) else list(g.shape(hi=3)), g.scalar()], _factory_kw(g)),
     ('fn',), grad=False)
for _n in ('zeros_like', 'ones_like', 'empty_like', 'rand_like', 'randn_like'):
    spec(_n, lambda g: ([g.t()], _factory_kw(g, 'f' if g.p(0.5) else 'fib')), ('fn',),
         values=_n in ('zeros_like', 'ones_like'), grad=False)
spec('full_like', lambda g: ([g.t(), g.scalar()], _factory_kw(g)), ('fn',), grad=False)


def g_arange(g):
    k = g.int(1, 3)
    nums = [g.choice([0, 1, 3, -2, 5, 0.5, 2.5, -1.5]) for _ in range(k)]
    if k == 3 and g.p(0.2):
        nums[2] = g.choice([0, -1])
    return nums, _factory_kw(g, 'fi')


spec('arange', g_arange, ('fn',), grad=False)


def g_linspace(g):
    return [g.choice([0, -1, 2.5, 3]), g.choice([1, 4, -2.5, 0]), g.choice([0, 1, 2, 5, -1])], _factory_kw(g, 'fi')


spec('linspace', g_linspace, ('fn',), grad=False)
spec('logspace', g_linspace, ('fn',), grad=False)
spec('eye', lambda g: ([g.int(0, 3)] + ([g.int(0, 3)] if g.p(0.5) else []), _factory_kw(g)), ('fn',), grad=False)
spec('tensor', lambda g: ([g.values(g.shape(hi=3), g.dtype()).tolist() if g.p(0.85) else g.scalar()],
                          _factory_kw(g, 'f' if g.p(0.5) else 'fib')), ('fn',), grad=False)
spec('as_tensor', lambda g: ([g.values(g.shape(hi=3), g.dtype()).tolist()], g.kw(dtype=lambda: D(g.dtype()))),
     ('fn',), grad=False)
spec('randint', lambda g: ([g.int(-2, 3), g.int(3, 6), g.shape(hi=3)], g.kw(dtype=lambda: D(g.dtype('fi')))),
     ('fn',), values=False, grad=False)
spec('randperm', lambda g: ([g.int(0, 5)], g.kw(dtype=lambda: D(g.dtype('fi')))), ('fn',), values=False, grad=False)
spec('promote_types', lambda g: ([D(g.dtype()), D(g.dtype())], {}), ('fn',), grad=False)
spec('is_tensor', lambda g: ([g.t() if g.p(0.5) else g.scalar()], {}), ('fn',), grad=False)

# ---------------------------------------------------------------- nn.functional
def g_act(_special=0.08, **opts):
    def gen(g):
        return [g.t(kinds='f' if g.p(0.85) else 'fib', special=_special)], g.kw(
            **{k: (lambda v=v: g.choice(v)) for k, v in opts.items()})
    return gen


spec('relu', g_act(inplace=[False, True]), ('F',))
spec('leaky_relu', g_act(negative_slope=[0.01, 0.2, -0.5], inplace=[False, True]), ('F',))
# PyTorch's gelu(inf) is inf on a 0-d tensor and nan from its vectorized kernel: unspecified, so no inf here
spec('gelu', g_act(_special=0.0, approximate=['none', 'tanh', 'bad']), ('F',))
spec('silu', g_act(inplace=[False]), ('F',))
# PyTorch's gradient at nan differs between its vectorized kernel and its scalar tail for elu and
# hardtanh/relu6 (1 or nan; 1 or 0 by the element's position): unspecified, so no nan inputs for these
spec('elu', g_act(_special=0.0, alpha=[1.0, 0.5, 2.0]), ('F',))
spec('softplus', g_act(beta=[1.0, 2.0, 0.5], threshold=[20.0, 1.0]), ('F',))
spec('logsigmoid', g_act(), ('F',))
spec('hardtanh', g_act(_special=0.0, min_val=[-1.0, -0.5, 0.0], max_val=[1.0, 0.5, 2.0]), ('F',))
spec('relu6', g_act(_special=0.0), ('F',))
spec('sigmoid', g_act(), ('F',))
spec('tanh', g_act(), ('F',))
spec('normalize', lambda g: (lambda x: ([x], g.kw(p=lambda: g.choice([2.0, 1.0, 3, float('inf')]),
                                                  dim=lambda: g.dim(x.a.ndim), eps=lambda: g.choice([1e-12, 0.1]))))(
    g.t(kinds='f')), ('F',))
spec('dropout', lambda g: ([g.t(kinds='f')], {'p': g.choice([0.0, 0.5, 1.0, 1.5, -0.1]), 'training': g.p(0.3)}),
     ('F',), values=False)
spec('one_hot', lambda g: ([g.t(dtype='int64' if g.p(0.85) else None, domain='pos')],
                           g.kw(num_classes=lambda: g.choice([-1, 6, 3, 0]))), ('F',), grad=False)


def g_pointwise_loss(target_domain=None, input_domain=None, extra=None):
    def gen(g):
        x = g.t(kinds='f' if g.p(0.9) else 'fib', domain=input_domain)
        dt = x.a.dtype.name if g.p(0.8) else None
        y = g.t(x.a.shape if g.p(0.85) else g.bshape(x.a.shape), dt, domain=target_domain)
        kw = g.kw(reduction=lambda: g.choice(['mean', 'sum', 'none', 'bad']))
        if extra:
            kw.update(extra(g, x))
        return [x, y], kw
    return gen


spec('mse_loss', g_pointwise_loss(), ('F',))
spec('l1_loss', g_pointwise_loss(), ('F',))
spec('smooth_l1_loss', g_pointwise_loss(extra=lambda g, x: g.kw(beta=lambda: g.choice([1.0, 0.5, 0.0]))), ('F',))
spec('huber_loss', g_pointwise_loss(extra=lambda g, x: g.kw(delta=lambda: g.choice([1.0, 0.5, 2.0]))), ('F',))
spec('binary_cross_entropy', g_pointwise_loss('prob', 'prob', extra=lambda g, x: g.kw(
    weight=lambda: g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.8) else None, rg=False))), ('F',))
spec('binary_cross_entropy_with_logits', g_pointwise_loss('prob', extra=lambda g, x: g.kw(
    weight=lambda: g.t(g.bshape(x.a.shape), x.a.dtype.name if g.p(0.8) else None, rg=False),
    pos_weight=lambda: g.t(g.bshape(x.a.shape[-1:]), x.a.dtype.name if g.p(0.8) else None, rg=False))), ('F',))


def g_class_loss(log_probs):
    def gen(g):
        c = g.int(1, 4)
        n = g.int(0, 3)
        nd = g.choice([1, 2, 2, 3])
        extra = g.shape(nd=g.int(0, 1), empty=0.02) if nd == 3 else ()
        shape = (c,) if nd == 1 else (n, c) + extra
        x = g.t(shape, 'float32' if g.p(0.7) else g.dtype('f' if g.p(0.9) else 'fi'))
        tshape = () if nd == 1 else (n,) + extra
        if g.p(0.08):
            tshape = g.shape(hi=2)
        if not log_probs and g.p(0.2):
            t = g.t(shape, x.a.dtype.name, domain='prob', rg=False)    # class probabilities
        else:
            t = _index_arr(g, c, tshape, 0.05)
            if g.p(0.2):
                t.a[t.a == 0] = -100
        kw = g.kw(reduction=lambda: g.choice(['mean', 'sum', 'none']),
                  weight=lambda: g.t((c,) if g.p(0.9) else (c + 1,), x.a.dtype.name, domain='pos', rg=False),
                  ignore_index=lambda: g.choice([-100, 0, 1]))
        if not log_probs and g.p(0.3):
            kw['label_smoothing'] = g.choice([0.0, 0.1, 0.5])
        return [x, t], kw
    return gen


spec('cross_entropy', g_class_loss(False), ('F',))
spec('nll_loss', g_class_loss(True), ('F',))


N_OLD = len(SPECS)   # the specs before specs_more's: '--ops @old'
from .specs_more import *  # noqa: E402,F401,F403  (the ops of issues 13/15)


# ---------------------------------------------------------------- what is deliberately not fuzzed
# (name: reason); tests/fuzz/test_fuzz.py checks that every public op is either fuzzed or listed here
# the reason for an op that lands before its spec (the ops of issues 13/15 now have theirs in specs_more.py):
# compared with torch in its own test file until its spec joins
PENDING = 'landed after the fuzzer; compared with torch in its own tests until its spec joins'

NOT_FUZZED = {
    'fn': {
        'BoolTensor': 'legacy constructor', 'DoubleTensor': 'legacy constructor', 'FloatTensor': 'legacy constructor',
        'IntTensor': 'legacy constructor', 'LongTensor': 'legacy constructor', 'Tensor': 'legacy constructor',
        'Size': 'a tuple type', 'Generator': 'RNG object', 'device': 'device object', 'dtype': 'dtype object',
        'enable_grad': 'grad mode', 'no_grad': 'grad mode', 'inference_mode': 'grad mode',
        'set_grad_enabled': 'grad mode', 'is_grad_enabled': 'grad mode', 'manual_seed': 'global RNG',
        'seed': 'global RNG', 'initial_seed': 'global RNG', 'get_rng_state': 'global RNG',
        'set_rng_state': 'global RNG', 'set_default_dtype': 'global state', 'get_default_dtype': 'global state',
        'set_printoptions': 'global state', 'return_types': 'a module', 'from_numpy': 'shares memory by design',
        'cuda': 'a module', 'autograd': 'a module',
        'save': 'files: tests/serialization compares with torch', 'load': 'files: tests/serialization',
    },
    'method': {
        'backward': 'driven by every trial', 'register_hook': 'hooks are tested in tests/autograd',
        'register_post_accumulate_grad_hook': 'hooks: tests/autograd/test_callbacks.py',
        'retain_grad': 'tests/autograd', 'cuda': 'device', 'cpu': 'device', 'data_ptr': 'an address',
        'get_device': 'device', 'numpy': 'conversion, used by the fuzzer itself',
        'requires_grad_': 'fuzzed as requires_grad',
        'detach_': 'tests/autograd', 'index_fill_': 'fuzzed as index_fill',
    },
    'F': {
        'multi_head_attention_forward': PENDING,
        'scaled_dot_product_attention': PENDING,
          },
}
