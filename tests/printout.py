"""Comparing printed output from two sources (framework and PyTorch, or a run and a stored file).

The text must match exactly; the numbers in it only to within what the CPU can change. NumPy, OpenBLAS
and PyTorch choose kernels by CPU features, and transcendental functions (sin, exp, tanh) and summation
orders are not correctly rounded, so a float32 result may differ in its last bit from one machine to
the next; a training loop of many steps carries that into the 7th significant digit. So each number may
differ by one unit in the last place it was printed with (a last-bit change can round a short print the
other way) or by `rtol` of its value, whichever is larger. Short prints of exact values (`27.`, `0.5`)
still have to match, since one unit there is a whole integer.
"""
import re

NUMBER = re.compile(r'[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?')


def normalise(text):
    """Object addresses and the module prefix of dtypes (torch.float32 / framework.float32) are not compared."""
    text = re.sub(r'0x[0-9a-fA-F]+', '0x?', text)
    text = re.sub(r'\btorch\.', 'framework.', text)
    return ' '.join(text.split())


def _tolerance(printed, value, rtol):
    mantissa, _, exponent = printed.lower().partition('e')
    digits = len(mantissa.split('.')[1]) if '.' in mantissa else 0
    unit = 10.0 ** (-digits + (int(exponent) if exponent else 0))
    return max((1.01 if digits >= 3 else 0.01) * unit, rtol * abs(value), 1e-7)


def differences(ours, theirs, rtol=2e-5):
    """What differs between two printouts beyond the tolerance above: a list of messages, empty if none."""
    a, b = normalise(ours), normalise(theirs)
    if NUMBER.sub('#', a) != NUMBER.sub('#', b):
        return ['the text differs']
    out = []
    for x, y in zip(NUMBER.findall(a), NUMBER.findall(b)):
        if abs(float(x) - float(y)) > _tolerance(y, float(y), rtol):
            out.append(f'{x} != {y}')
    return out


def assert_same_printout(ours, theirs, rtol=2e-5, names=('framework', 'torch')):
    diff = differences(ours, theirs, rtol)
    assert not diff, f'{diff[:5]}\n--- {names[0]}:\n{ours}\n--- {names[1]}:\n{theirs}'
