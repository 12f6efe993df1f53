"""Version counters (in-place changes to saved values) and anomaly detection: literal values and PyTorch's messages,
compared with PyTorch too where it is installed."""
import warnings

import numpy as np
import pytest

import framework
from framework import autograd
from tests.conftest import agree, libraries, same_error

MODIFIED = ('one of the variables needed for gradient computation has been modified by an inplace operation: '
            '[framework.FloatTensor [2]]{} is at version {}; expected version {} instead. Hint: enable anomaly '
            'detection to find the operation that failed to compute its gradient, with '
            'framework.autograd.set_detect_anomaly(True, check_nan=False).')


def test_version_counter_values():
    def run(T):
        out = []
        x = T.ones(3)
        out.append(x._version)
        x.add_(1)
        out.append(x._version)
        x[0] = 5
        out.append(x._version)
        x.mul_(2)
        x.zero_()
        out.append(x._version)
        d = x.detach()
        d.add_(1)                       # detach shares the counter
        out += [x._version, d._version]
        v = x[1:]
        v.add_(1)                       # so does a view
        out += [x._version, v._version]
        x += 1
        out.append(x._version)
        y = T.tensor([1.0, 2.0], requires_grad=True)
        h = y * 2
        out.append(h._version)
        with T.no_grad():
            y.mul_(3)
        out.append(y._version)
        return out
    agree(run, [0, 1, 2, 4, 5, 5, 6, 6, 7, 0, 1])


def test_data_does_not_share_version_counter():
    def run(T):
        x = T.ones(2)
        x.add_(1)
        dd = x.data
        dd.add_(1)
        return x._version, dd._version, x.tolist()
    agree(run, (1, 1, [3.0, 3.0]))


def test_inplace_on_saved_input_raises():
    def run(T):
        y = T.tensor([1.0, 2.0], requires_grad=True)
        h = y * 2
        s = h.sin()                     # saves h
        h.add_(1)
        s.sum().backward()
    same_error(run, MODIFIED.format(', which is output 0 of Add,', 1, 0))


def test_inplace_on_saved_output_raises():
    def run(T):
        y = T.tensor([1.0, 2.0], requires_grad=True)
        e = y.exp()                     # saves its output
        e.mul_(2)
        e.sum().backward()
    same_error(run, MODIFIED.format(', which is output 0 of Exp,', 1, 0))


def test_inplace_through_detach_raises():
    def run(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = a * 1
        c = b * b
        b.detach().zero_()
        c.sum().backward()
    same_error(run, MODIFIED.format(', which is output 0 of Mul,', 1, 0))


def test_inplace_on_leaf_under_no_grad_then_backward_raises():
    def run(T):
        w = T.tensor([1.0, 2.0], requires_grad=True)
        q = w * w
        with T.no_grad():
            w.add_(1)
        q.sum().backward()
    same_error(run, MODIFIED.format('', 1, 0))


def test_inplace_through_data_is_not_tracked():
    def run(T):
        w = T.tensor([1.0, 2.0], requires_grad=True)
        q = w * w
        w.data.add_(1)
        q.sum().backward()
        return w.grad.tolist()
    agree(run, [4.0, 6.0])


def test_inplace_on_leaf_requiring_grad_raises():
    same_error(lambda T: T.tensor([1.0, 2.0], requires_grad=True).add_(1),
               'a leaf Variable that requires grad is being used in an in-place operation.')


def test_inplace_on_value_backward_does_not_need():
    def run(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = a + 1
        c = b * 3                       # backward needs only the 3
        b.add_(1)
        c.sum().backward()
        return a.grad.tolist()
    agree(run, [3.0, 3.0])


def test_inplace_recorded_in_graph_gives_right_gradient():
    def run(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = a * 2
        b.add_(1)
        b.mul_(3)
        b.pow_(2)
        b.sum().backward()
        return a.grad.tolist(), b._version, type(b.grad_fn).__name__
    agree(run, ([108.0, 180.0], 3, 'PowBackward0'))

    def saved_then_modified_by_itself(T):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = a * 2
        b.add_(1)
        b.mul_(b.detach())              # the saved other shares b's counter: bumped by this very op
        b.sum().backward()
    same_error(saved_then_modified_by_itself, MODIFIED.format('', 2, 1))


def test_setitem_seed_example():
    def run(T):
        m = T.autograd.Variable(T.FloatTensor([2, 3]), requires_grad=True)
        n = T.autograd.Variable(T.zeros(2))
        n[0] = m[0] ** 2
        n[1] = m[1] ** 3
        n.backward(gradient=T.Tensor([1, 1]))
        return m.grad.tolist(), n._version
    agree(run, ([4.0, 27.0], 2))


def test_retain_graph_then_inplace_raises_on_second_backward():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        y = (h * h).sum()
        y.backward(retain_graph=True)
        h.detach().add_(1)
        y.backward()
    same_error(run, MODIFIED.format(', which is output 0 of Mul,', 1, 0))


# ---------------------------------------------------------------- anomaly detection
def _nan_cases():
    return [
        ('div', lambda T, x: (x / x).sum(), "Function 'DivBackward0' returned nan values in its 1th output."),
        ('sqrt', lambda T, x: (x.sqrt() * T.tensor([0.0, 1.0])).sum(),
         "Function 'SqrtBackward0' returned nan values in its 0th output."),
        ('log', lambda T, x: ((x * 0).log() * 0).sum(),
         "Function 'LogBackward0' returned nan values in its 0th output."),
    ]


@pytest.mark.parametrize('name,fn,msg', _nan_cases(), ids=[c[0] for c in _nan_cases()])
def test_detect_anomaly_names_node(name, fn, msg):
    for T in libraries():
        x = T.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with T.autograd.detect_anomaly():
                out = fn(T, x)
                with pytest.raises(RuntimeError) as e:
                    out.backward()
        assert str(e.value).split('\n')[0] == msg


def test_detect_anomaly_reports_forward_line():
    x = framework.tensor([0.0, 1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with autograd.detect_anomaly():
            y = x / x  # the forward line anomaly mode points at
            with pytest.raises(RuntimeError) as e:
                y.sum().backward()
    assert 'y = x / x  # the forward line anomaly mode points at' in str(e.value)
    assert 'test_detect_anomaly_reports_forward_line' in str(e.value)


def test_without_anomaly_nan_flows_silently():
    def run(T):
        x = T.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            (x / x).sum().backward()
        return np.isnan(x.grad.numpy()).tolist(), x.grad[1].item()
    agree(run, ([True, False], 0.0))


def test_set_detect_anomaly_and_state():
    is_on = autograd.anomaly.is_anomaly_enabled
    assert not is_on()
    autograd.set_detect_anomaly(True)
    try:
        assert is_on()
        x = framework.tensor([0.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with pytest.raises(RuntimeError, match="Function 'DivBackward0' returned nan values"):
                (x / x).sum().backward()
    finally:
        autograd.set_detect_anomaly(False)
    assert not is_on()
    with autograd.set_detect_anomaly(True):
        assert is_on()
    assert not is_on()
    with autograd.detect_anomaly():
        with autograd.detect_anomaly(check_nan=False):
            assert not is_on()      # check_nan=False: no NaN checks inside
        assert is_on()
    assert not is_on()

    @autograd.detect_anomaly()
    def f():
        return is_on()
    assert f() and not is_on()


def test_anomaly_custom_function_nan():
    def run(T):
        class NanGrad(T.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * float('nan')
        x = T.ones(2, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with T.autograd.detect_anomaly():
                NanGrad.apply(x).sum().backward()
    for T in libraries():
        with pytest.raises(RuntimeError) as e:
            run(T)
        assert str(e.value).split('\n')[0] == "Function 'NanGradBackward' returned nan values in its 0th output."
