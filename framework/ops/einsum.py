"""einsum, with PyTorch's parsing rules and messages.

The equation is first brought to a normal form in which every operand's subscripts are distinct
letters, every letter has one size, and every letter of an operand appears in the output or in
another operand. Repeated letters become `diagonal`s, broadcast size-1 dims are squeezed and letters
only one operand has (and the output lacks) are summed: all differentiable ops. On that form the
gradient for operand i is itself an einsum, of the output gradient with the other operands, back to
operand i's subscripts, so `EinsumCore`'s backward calls `EinsumCore` and any order of derivative
follows.
"""
from .. import _device
from ..autograd.function import Op

_LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
_TYPE = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long', 'int32': 'Int',
         'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool'}


class EinsumCore(Op):
    node_name = 'EinsumBackward'

    @staticmethod
    def forward(ctx, *arrays, subs=(), out=''):
        ctx.subs, ctx.out = subs, out
        ctx.save_for_backward(*arrays)
        eq = ','.join(subs) + '->' + out
        return _device.xp_of(arrays[0]).einsum(eq, *arrays, optimize=len(arrays) > 2)

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        grads = []
        for i, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(ops) if j != i]
            subs = [ctx.out] + [s for j, s in enumerate(ctx.subs) if j != i]
            grads.append(EinsumCore.apply(g, *others, subs=tuple(subs), out=ctx.subs[i]))
        return tuple(grads)


def _parse(equation, n_ops):
    eq = equation.replace(' ', '')
    lhs, arrow, rhs = eq.partition('->')
    terms = lhs.split(',')
    if len(terms) > n_ops:
        raise RuntimeError('einsum(): fewer operands were provided than specified in the equation')
    if len(terms) < n_ops:
        raise RuntimeError('einsum(): more operands were provided than specified in the equation')
    for i, ch in enumerate(equation):
        if ch in _LETTERS or ch in ' ,.' or equation[i:i + 2] == '->' or equation[max(i - 1, 0):i + 1] == '->':
            continue
        raise RuntimeError(f'einsum(): invalid subscript given at index {i} in the equation string, subscripts '
                           f'must be in [a-zA-Z]')
    return terms, (rhs if arrow else None)


def _sublist_equation(args):
    """einsum(op1, [0, 1], op2, [1, 2], [0, 2]): the sublist form as an equation string."""
    def letters(sub):
        out = ''
        for s in sub:
            if s is Ellipsis:
                out += '...'
            elif isinstance(s, int) and 0 <= s < 52:
                out += _LETTERS[s + 26] if s < 26 else _LETTERS[s - 26]
            else:
                raise ValueError(f'einsum(): expected subscript to be within the range [0, 52), but got {s}')
        return out
    has_output = len(args) % 2 == 1
    pairs = args[:-1] if has_output else args
    ops, subs = list(pairs[0::2]), pairs[1::2]
    eq = ','.join(letters(s) for s in subs)
    if has_output:
        eq += '->' + letters(args[-1])
    return eq, ops


def einsum(equation, *operands):
    if not isinstance(equation, str):           # sublist form
        equation, operands = _sublist_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError('einsum(): must provide at least one operand')
    terms, rhs = _parse(equation, len(operands))
    first = operands[0]._data.dtype
    for op in operands[1:]:
        if op._data.dtype != first:
            raise RuntimeError(f'expected scalar type {_TYPE[str(first)]} but found {_TYPE[str(op._data.dtype)]}')
    used = set(c for c in equation if c in _LETTERS)
    spare = [c for c in _LETTERS if c not in used]
    # ellipsis dims: one shared, right-aligned set of letters
    n_ell = 0
    for i, (t, op) in enumerate(zip(terms, operands)):
        n_letters = len(t.replace('...', ''))
        nd = op._data.ndim
        if '...' in t:
            if n_letters > nd:
                raise RuntimeError(f'einsum(): the number of subscripts in the equation ({n_letters}) is more than '
                                   f'the number of dimensions ({nd}) for operand {i}')
            n_ell = max(n_ell, nd - n_letters)
        elif n_letters != nd:
            raise RuntimeError(f'einsum(): the number of subscripts in the equation ({n_letters}) does not match the '
                               f'number of dimensions ({nd}) for operand {i} and no ellipsis was given')
    ell = ''.join(spare[:n_ell])
    subs = []
    for t, op in zip(terms, operands):
        if '...' in t:
            k = op._data.ndim - len(t.replace('...', ''))
            t = t.replace('...', ell[n_ell - k:] if k else '')
        subs.append(t)
    if rhs is None:
        counts = {}
        for s in subs:
            for c in s:
                counts[c] = counts.get(c, 0) + 1
        out = ell + ''.join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        out = rhs.replace('...', ell)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(f'einsum(): output subscript {c} appears more than once in the output')
            if not any(c in s for s in subs):
                raise RuntimeError(f'einsum(): output subscript {c} does not appear in the equation for any input '
                                   'operand')
    # one size per letter (1 broadcasts)
    sizes = {}
    for i, (s, op) in enumerate(zip(subs, operands)):
        seen = {}
        for c, n in zip(s, op._data.shape):
            if c in seen and seen[c] != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't match, "
                                   f'{n} != {seen[c]}')
            seen[c] = n
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = n
            elif n != 1 and n != prev:
                raise RuntimeError(f'einsum(): subscript {c} has size {n} for operand {i} which does not broadcast '
                                   f'with previously seen size {prev}')
    tensors = list(operands)
    for i in range(len(tensors)):
        tensors[i], subs[i] = _normalize(tensors[i], subs[i], sizes)
    for i in range(len(tensors)):
        others = set(out).union(*(s for j, s in enumerate(subs) if j != i))
        alone = [k for k, c in enumerate(subs[i]) if c not in others]
        if alone:
            tensors[i] = tensors[i].sum(tuple(alone))
            subs[i] = ''.join(c for c in subs[i] if c in others)
    return EinsumCore.apply(*tensors, subs=tuple(subs), out=out)

def _normalize(t, s, sizes):
    """Take diagonals for repeated letters and squeeze dims broadcast against a larger size."""
    from .matrix import diagonal
    while True:
        dup = next((c for c in s if s.count(c) > 1), None)
        if dup is None:
            break
        i = s.index(dup)
        j = s.index(dup, i + 1)
        t = diagonal(t, 0, i, j)
        s = s[:i] + s[i + 1:j] + s[j + 1:] + dup
    squeeze = [k for k, c in enumerate(s) if t._data.shape[k] == 1 and sizes[c] != 1]
    if squeeze:
        t = t.reshape(tuple(n for k, n in enumerate(t._data.shape) if k not in squeeze))
        s = ''.join(c for k, c in enumerate(s) if k not in squeeze)
    return t, s

