"""Differential fuzzer: the same random call on framework and on PyTorch, the two answers compared.

Trial `n` of seed `S` draws everything (op, call form, shapes, dtypes, values, dims, keywords, the
upstream gradient) from `numpy.random.default_rng([S, n])`, so any trial replays on its own:

    python -m tests.fuzz.fuzzer --trials 30000 --seed 7        # summary table by category
    python -m tests.fuzz.fuzzer --seed 7 --trial 1234 -v       # one trial, both answers printed

Arguments are drawn library-neutral (`Arr`, `D`) and materialized once per library, so both see the
same numbers. A trial is put in exactly one category (CATEGORIES). A framework exception is
*internal* when it does not come from a `raise` statement in framework's code: a NumPy exception
class, or a builtin one raised by NumPy, by Python itself (`'NoneType' object has no attribute`,
`tuple index out of range`, division by zero) or by the standard library.
"""
import argparse
import ast
import linecache
import math
import os
import sys
import time
import warnings

import numpy as np

from . import specs as S

CATEGORIES = ('agree', 'wrong value', 'wrong dtype/shape', 'internal crash', 'exception class differs',
              'raise vs no raise', 'missing op', 'fuzzer error')
_FRAMEWORK_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))) + os.sep + 'framework'
_FUZZ_DIR = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- materializing arguments
def materialize(T, v, leaves):
    if isinstance(v, S.Arr):
        t = T.tensor(v.a.copy())
        if v.rg:
            t.requires_grad_(True)
            leaves.append(t)
        return t
    if isinstance(v, S.D):
        return getattr(T, v.name)
    if isinstance(v, list):
        return [materialize(T, x, leaves) for x in v]
    if isinstance(v, tuple):
        return tuple(materialize(T, x, leaves) for x in v)
    if isinstance(v, dict):
        return {k: materialize(T, x, leaves) for k, x in v.items()}
    return v


# ---------------------------------------------------------------- exceptions
_raise_lines = {}


def _raise_statement_lines(path):
    """The line numbers covered by `raise` statements in a source file (multi-line raises included)."""
    lines = _raise_lines.get(path)
    if lines is None:
        lines = set()
        try:
            with open(path) as f:
                tree = ast.parse(f.read())
            for node in ast.walk(tree):
                if isinstance(node, ast.Raise):
                    lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        except (OSError, SyntaxError):
            pass
        _raise_lines[path] = lines
    return lines


def is_internal(exc):
    """True when a framework exception did not come from a deliberate `raise` in framework (or in the
    fuzzer's own call lambdas, where Python's argument binding raises TypeError as it does for torch)."""
    if type(exc).__module__.split('.')[0] == 'numpy':
        return True
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return False
    path = os.path.abspath(last.tb_frame.f_code.co_filename)
    if path.startswith(_FUZZ_DIR):
        return False
    if not path.startswith(_FRAMEWORK_DIR):
        return True
    return last.tb_lineno not in _raise_statement_lines(path)


def builtin_class(exc):
    for c in type(exc).__mro__:
        if c.__module__ == 'builtins':
            return c.__name__
    return type(exc).__name__


def where_raised(exc):
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return '?'
    f = last.tb_frame.f_code.co_filename
    return f'{os.path.relpath(f)}:{last.tb_lineno}: {linecache.getline(f, last.tb_lineno).strip()}'


# ---------------------------------------------------------------- normalized results
def normalize(T, out):
    if isinstance(out, T.Tensor):
        if T.__name__ == 'torch':
            out_d = out.detach()
            # autograd's ZeroTensor (an input that does not reach the output) has no numpy()
            a = np.zeros(tuple(out_d.shape), str(out_d.dtype).split('.')[-1]) if out_d._is_zerotensor() else (
                out_d.cpu().numpy())
        else:
            a = np.asarray(out._data)
        return ('tensor', np.array(a, copy=True), str(out.dtype).split('.')[-1], tuple(out.shape),
                bool(out.requires_grad))
    if isinstance(out, (tuple, list)):
        return ('seq', [normalize(T, o) for o in out])
    if isinstance(out, bool):
        return ('bool', out)
    if isinstance(out, (int, float)):
        return ('number', type(out).__name__, out)
    if out is None:
        return ('none',)
    if isinstance(out, T.dtype):
        return ('dtype', str(out).split('.')[-1])
    return ('other', type(out).__name__)


def _tol(dtype, grad=False):
    if dtype in ('float16', 'bfloat16'):
        return 1e-2
    if dtype == 'float32':
        return 1e-3 if grad else 2e-4
    return 1e-6 if grad else 1e-9


def close(a, b, dtype, grad=False):
    """Values equal (ints, bools) or close (floats; nan equals nan, infinities must match)."""
    if a.shape != b.shape:
        return False
    if a.dtype.kind not in 'fc' or b.dtype.kind not in 'fc':
        return np.array_equal(a, b)
    r = _tol(dtype, grad)
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    finite = np.isfinite(b64)
    scale = max(1.0, float(np.abs(b64[finite]).max())) if finite.any() else 1.0
    return bool(np.isclose(a64, b64, rtol=r, atol=r * scale, equal_nan=True).all())


def _differences(a, b):
    """The first few positions where two same-shape arrays differ, as `index: ours vs torch`."""
    if a.dtype.kind in 'fc' and b.dtype.kind in 'fc':
        bad = ~np.isclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-6, atol=1e-7, equal_nan=True)
    else:
        bad = a != b
    idx = np.argwhere(np.atleast_1d(bad))[:4]
    aa, bb = np.atleast_1d(a), np.atleast_1d(b)
    parts = [f'{tuple(int(i) for i in ix)}: {aa[tuple(ix)]!r} vs torch {bb[tuple(ix)]!r}' for ix in idx]
    return f'{int(np.sum(bad))} of {a.size} differ; ' + '; '.join(parts)


def compare(ours, ref, what='output', values=True, low=None):
    """None when equal, else (category, detail). `low`: the precision of the least precise input, which
    bounds a float64 result's accuracy (PyTorch computes some intermediates in the input's dtype)."""
    if ours[0] != ref[0] and not {ours[0], ref[0]} <= {'number'}:
        return 'wrong dtype/shape', f'{what}: {ours[0]} vs torch {ref[0]}'
    kind = ref[0]
    if kind == 'tensor':
        _, a, dt, shape, rg = ours
        _, b, dt_ref, shape_ref, rg_ref = ref
        if dt != dt_ref or shape != shape_ref:
            return 'wrong dtype/shape', f'{what}: {dt}{list(shape)} vs torch {dt_ref}{list(shape_ref)}'
        if rg != rg_ref:
            return 'wrong dtype/shape', f'{what}: requires_grad {rg} vs torch {rg_ref}'
        tol_dtype = low if low and dt_ref == 'float64' else dt_ref
        if values and not close(a, b, tol_dtype, grad=what.startswith('grad')):
            return 'wrong value', f'{what}: {_differences(a, b)}'
        return None
    if kind == 'seq':
        if len(ours[1]) != len(ref[1]):
            return 'wrong dtype/shape', f'{what}: {len(ours[1])} items vs torch {len(ref[1])}'
        for i, (o, r) in enumerate(zip(ours[1], ref[1])):
            d = compare(o, r, f'{what}[{i}]', values, low)
            if d:
                return d
        return None
    if kind == 'number':
        if ours[1] != ref[1]:
            return 'wrong dtype/shape', f'{what}: Python {ours[1]} vs torch {ref[1]}'
        if values and not (ours[2] == ref[2] or (ours[2] != ours[2] and ref[2] != ref[2])
                           or math.isclose(ours[2], ref[2], rel_tol=1e-5, abs_tol=1e-6)):
            return 'wrong value', f'{what}: {ours[2]!r} vs torch {ref[2]!r}'
        return None
    if ours != ref:
        return ('wrong value' if kind == 'bool' else 'wrong dtype/shape'), f'{what}: {ours!r} vs torch {ref!r}'
    return None


# ---------------------------------------------------------------- one trial
class Outcome:
    __slots__ = ('result', 'exc', 'phase', 'grads', 'grads2')

    def __init__(self):
        self.result = self.exc = self.grads = self.grads2 = None
        self.phase = 'call'


def _grad_stage(T, leaves, outs, weights, second):
    """First (and maybe second) order gradients of sum(out_i * w_i) with respect to the leaves."""
    tensors = [o for o in outs if isinstance(o, T.Tensor) and o.requires_grad]
    if not tensors or not leaves:
        return None, None
    loss = None
    for o, w in zip(tensors, weights):
        term = (o * T.tensor(w[:o.numel()].reshape(tuple(o.shape)), dtype=o.dtype)).sum()
        loss = term if loss is None else loss + term
    grads = T.autograd.grad(loss, leaves, allow_unused=True, create_graph=second)
    first = [None if g is None else normalize(T, g.detach()) for g in grads]
    if not second:
        return first, None
    s = None
    for g, leaf in zip(grads, leaves):
        if g is not None and g.requires_grad:
            term = (g * (leaf.detach() * 0 + 0.5 + T.arange(leaf.numel(), dtype=leaf.dtype).reshape(
                tuple(leaf.shape)) / 7)).sum()
            s = term if s is None else s + term
    if s is None:
        return first, [None] * len(leaves)
    g2 = T.autograd.grad(s, leaves, allow_unused=True)
    return first, [None if g is None else normalize(T, g.detach()) for g in g2]


def _flat_outputs(out):
    if isinstance(out, (tuple, list)):
        r = []
        for o in out:
            r.extend(_flat_outputs(o))
        return r
    return [out]


def execute(T, spec, form, args, kwargs, weights, second):
    o = Outcome()
    leaves = []
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            a = materialize(T, args, leaves)
            k = materialize(T, kwargs, leaves)
        except Exception as e:  # noqa: BLE001
            o.exc, o.phase = e, 'args'
            return o
        try:
            out = spec.call(T, form, *a, **k)
        except Exception as e:  # noqa: BLE001
            o.exc = e
            return o
        try:
            o.result = normalize(T, out)
        except Exception as e:  # noqa: BLE001
            o.exc, o.phase = e, 'normalize'
            return o
        if spec.grad and T.is_grad_enabled():
            try:
                o.phase = 'backward'
                o.grads, o.grads2 = _grad_stage(T, leaves, _flat_outputs(out), weights, second)
                o.phase = 'done'
            except Exception as e:  # noqa: BLE001
                o.exc = e
        else:
            o.phase = 'done'
    return o


def _zeros_like_norm(n):
    _, a, dt, shape, rg = n
    return ('tensor', np.zeros_like(a), dt, shape, rg)


def _lowest_precision(norm):
    """'float32' when an output is float32 or lower: gradients computed through it carry its rounding."""
    if norm[0] == 'tensor':
        return norm[2] if norm[2] in ('float32', 'float16', 'bfloat16') else None
    if norm[0] == 'seq':
        for n in norm[1]:
            r = _lowest_precision(n)
            if r:
                return r
    return None


def _compare_grads(ours, ref, what, low=None):
    if ours is None and ref is None:
        return None
    if ours is None or ref is None:
        return 'wrong value', f'{what}: ours {ours is not None}, torch {ref is not None}'
    if len(ours) != len(ref):
        return 'wrong value', f'{what}: {len(ours)} vs {len(ref)}'
    for i, (g, r) in enumerate(zip(ours, ref)):
        if g is None and r is None:
            continue
        # an unused input: None on one side equals zeros on the other
        g = _zeros_like_norm(r) if g is None else g
        r = _zeros_like_norm(g) if r is None else r
        if low and r[2] == 'float64':
            g, r = ('tensor', g[1], low, g[3], g[4]), ('tensor', r[1], low, r[3], r[4])
        d = compare(g, r, f'{what} of input {i}')
        if d:
            return d
    return None


class Trial:
    def __init__(self, seed, n, ops=None):
        self.seed, self.n = seed, n
        rng = np.random.default_rng([seed, n])
        pool = S.SPECS if ops is None else select_specs(ops)
        self.spec = pool[rng.integers(len(pool))]
        self.form = self.spec.forms[rng.integers(len(self.spec.forms))]
        g = S.Gen(rng)
        self.args, self.kwargs = self.spec.gen(g)
        self.weights = [rng.standard_normal(1024) for _ in range(8)]
        self.second = bool(rng.random() < 0.3)

    def _lowest_input_precision(self):
        """'float32' when an input is float32: a float64 result computed from it carries float32 rounding."""
        stack = [self.args, self.kwargs]
        while stack:
            v = stack.pop()
            if isinstance(v, S.Arr) and v.a.dtype == np.float32:
                return 'float32'
            if isinstance(v, (list, tuple)):
                stack.extend(v)
            elif isinstance(v, dict):
                stack.extend(v.values())
        return None

    @property
    def area(self):
        """Who owns a finding: 'core' (this work), 'indexing' (indexing/views and the in-place machinery of
        ops/inplace.py: the views work), 'pow' (the pow functions, under separate work) or 'new' (the ops of
        specs_more.py while their listed differences are open)."""
        if self.spec.area != 'core':
            return self.spec.area
        if self.form == 'inplace':
            return 'indexing'
        if self.spec.name in ('pow', 'square') or self.spec.name == 'operator' and '**' in self.args[0]:
            return 'pow'
        return 'core'

    def describe(self):
        return f'{self.spec.name} [{self.form}] args={self.args!r} kwargs={self.kwargs!r}'

    def run(self, fw, torch):
        """(category, detail, ours, theirs)."""
        if not self.spec.available(fw, self.form):
            return 'missing op', f'{self.spec.name} ({self.form})', None, None
        try:
            ref = execute(torch, self.spec, self.form, self.args, self.kwargs, self.weights, self.second)
        except Exception as e:  # noqa: BLE001
            return 'fuzzer error', f'torch side: {e!r}', None, None
        if ref.exc is not None and ref.phase in ('args', 'normalize'):
            return 'fuzzer error', f'torch {ref.phase}: {ref.exc!r}', None, ref
        ours = execute(fw, self.spec, self.form, self.args, self.kwargs, self.weights, self.second)
        return (*self._classify(ours, ref), ours, ref)

    def _classify(self, ours, ref):
        if ours.exc is not None and ours.phase in ('args', 'normalize'):
            return 'internal crash', f'{ours.phase}: {type(ours.exc).__name__}: {ours.exc}'
        if ref.exc is not None or ours.exc is not None:
            # a call that both libraries complete, but whose backward raises on one side, compares outputs first
            if ours.phase == 'backward' and ref.phase == 'backward' or (ours.phase == 'backward') != (
                    ref.phase == 'backward'):
                if ours.result is not None and ref.result is not None:
                    d = compare(ours.result, ref.result, values=self.spec.values)
                    if d:
                        return d
            return self._classify_exceptions(ours, ref)
        d = compare(ours.result, ref.result, values=self.spec.values, low=self._lowest_input_precision())
        if d:
            return d
        if not self.spec.values:                # random outputs (dropout): their gradients are random too
            return 'agree', ''
        low = _lowest_precision(ref.result) or self._lowest_input_precision()
        d = _compare_grads(ours.grads, ref.grads, 'grad', low)
        if d:
            return d
        d = _compare_grads(ours.grads2, ref.grads2, 'second-order grad', low)
        if d:
            return d
        return 'agree', ''

    @staticmethod
    def _classify_exceptions(ours, ref):
        e, r = ours.exc, ref.exc
        if e is not None:
            internal = is_internal(e)
            text = f'{ours.phase}: {type(e).__module__}.{type(e).__name__}: {str(e)[:300]}'
            if internal:
                text += f'\n  raised at {where_raised(e)}'
            if r is None:
                return ('internal crash' if internal else 'raise vs no raise'), f'ours {text}; torch does not raise'
            if builtin_class(r) != type(e).__name__:
                return ('internal crash' if internal else 'exception class differs'), (
                    f'ours {text}; torch {ref.phase}: {builtin_class(r)}: {str(r)[:300]}')
            return 'agree', ''
        return 'raise vs no raise', f'torch {ref.phase}: {builtin_class(r)}: {str(r)[:300]}; ours does not raise'


# ---------------------------------------------------------------- running many
def select_specs(ops):
    """The specs named in `ops` (a comma-separated string or a list): op names, '@new' (the specs of
    specs_more.py, the ops that landed after the fuzzer) or '@old' (the others). A trial replays only
    with the same `ops`."""
    names = ops.split(',') if isinstance(ops, str) else list(ops)
    chosen = []
    for i, s in enumerate(S.SPECS):
        if s.name in names or ('@new' in names and i >= S.N_OLD) or ('@old' in names and i < S.N_OLD):
            chosen.append(s)
    if not chosen:
        raise ValueError(f'no spec matches --ops {ops!r}')
    return chosen


def run_trials(seed, trials, start=0, progress=False, ops=None):
    import framework
    import torch
    torch.set_num_threads(1)
    counts = {}
    examples = {}
    t0 = time.time()
    for n in range(start, start + trials):
        framework.manual_seed(n)
        torch.manual_seed(n)
        try:
            trial = Trial(seed, n, ops)
            cat, detail, _, _ = trial.run(framework, torch)
            area = trial.area
        except Exception as e:  # noqa: BLE001
            cat, detail, area = 'fuzzer error', repr(e), 'core'
            trial = None
        counts[(area, cat)] = counts.get((area, cat), 0) + 1
        if cat != 'agree':
            key = (area, cat, trial.spec.name if trial else '?')
            examples.setdefault(key, []).append((n, detail))
        if progress and (n - start + 1) % 1000 == 0:
            print(f'  {n - start + 1} trials, {time.time() - t0:.0f} s', file=sys.stderr)
    return counts, examples, time.time() - t0


def summary_table(counts, trials):
    lines = ['| category | core | indexing/view/in-place area | pow | new ops (issues 13/15) | total | % |',
             '| --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    for cat in CATEGORIES:
        core, idx, pw, new = (counts.get((a, cat), 0) for a in ('core', 'indexing', 'pow', 'new'))
        total = core + idx + pw + new
        if cat == 'fuzzer error' and total == 0:
            continue
        lines.append(f'| {cat} | {core} | {idx} | {pw} | {new} | {total} | {100 * total / max(trials, 1):.2f} |')
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog='python -m tests.fuzz.fuzzer', description=__doc__.split('\n')[0])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--trials', type=int, default=2000)
    p.add_argument('--start', type=int, default=0, help='first trial number')
    p.add_argument('--trial', type=int, default=None, help='replay this one trial')
    p.add_argument('-v', '--verbose', action='store_true', help='print the examples of each finding')
    p.add_argument('--examples', type=int, default=3, help='examples printed per (category, op) with -v')
    p.add_argument('--progress', action='store_true')
    p.add_argument('--ops', default=None, help="only these specs: comma-separated op names, '@new' or '@old' "
                   '(replay a trial with the same --ops)')
    args = p.parse_args(argv)
    import framework
    import torch
    if args.trial is not None:
        framework.manual_seed(args.trial)
        torch.manual_seed(args.trial)
        trial = Trial(args.seed, args.trial, args.ops)
        print(f'trial {args.trial} (seed {args.seed}): {trial.describe()}')
        cat, detail, ours, ref = trial.run(framework, torch)
        print(f'category: {cat} [{trial.area}]')
        if detail:
            print(detail)
        if args.verbose:
            for name, o in (('framework', ours), ('torch', ref)):
                if o is None:
                    continue
                print(f'--- {name}: ' + (f'{o.phase}: {type(o.exc).__name__}: {o.exc}' if o.exc else 'ok'))
                if o.result is not None:
                    print(f'    result {o.result!r}')
                if o.grads is not None:
                    print(f'    grads {o.grads!r}')
                if o.grads2:
                    print(f'    grads2 {o.grads2!r}')
        return 0 if cat == 'agree' else 1
    counts, examples, wall = run_trials(args.seed, args.trials, args.start, args.progress, args.ops)
    print(f'{args.trials} trials, seed {args.seed}, {wall:.1f} s, {len(S.SPECS)} op forms')
    print(summary_table(counts, args.trials))
    by_op = {}
    for (area, cat, name), ex in examples.items():
        by_op.setdefault((area, cat), []).append((len(ex), name, ex))
    for (area, cat), rows in sorted(by_op.items()):
        rows.sort(key=lambda r: -r[0])
        print(f'\n{cat} [{area}]: ' + ', '.join(f'{name} {k}' for k, name, _ in rows))
        if args.verbose:
            for k, name, ex in rows:
                for n, detail in ex[:args.examples]:
                    print(f'  #{n} {name}: {detail}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
