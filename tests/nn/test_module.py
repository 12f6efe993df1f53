"""Module semantics: registration, traversal, repr, state_dict, freezing, hooks, conversion."""
import copy
import pickle

import numpy as np
import pytest

import framework
from framework import nn
from tests.conftest import torch_or_skip


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(8, 12)
        self.act = nn.ReLU()
        self.output = nn.Linear(12, 4)

    def forward(self, x):
        return self.output(self.act(self.hidden(x)))


def test_registration_order_and_names():
    net = MLP()
    assert [n for n, _ in net.named_parameters()] == ['hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']
    assert [tuple(p.shape) for p in net.parameters()] == [(12, 8), (12,), (4, 12), (4,)]
    assert [n for n, _ in net.named_children()] == ['hidden', 'act', 'output']
    assert [n for n, _ in net.named_modules()] == ['', 'hidden', 'act', 'output']
    assert all(p.requires_grad and p.grad is None for p in net.parameters())
    assert isinstance(net.hidden.weight, nn.Parameter)
    assert 'hidden' not in net.__dict__ and net._modules['hidden'] is net.hidden


def test_skipped_super_init_errors():
    class Bad(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r'cannot assign module before Module.__init__\(\) call'):
        Bad()

    class BadParam(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(framework.zeros(2))

    with pytest.raises(AttributeError, match=r'cannot assign parameters before Module.__init__\(\) call'):
        BadParam()


def test_reassignment_rules():
    m = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="cannot assign 'torch.FloatTensor' as parameter 'weight'"):
        m.weight = framework.zeros(3, 2)
    m.bias = None
    assert m.bias is None and [n for n, _ in m.named_parameters()] == ['weight']
    m.register_buffer('running', framework.ones(3))
    assert [n for n, _ in m.named_buffers()] == ['running']
    m.running = framework.zeros(3)
    assert m.running.sum().item() == 0
    with pytest.raises(TypeError):
        m.running = 3
    with pytest.raises(KeyError, match='already exists'):
        m.register_buffer('in_features', framework.ones(1))
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'nope'"):
        m.nope
    del m.weight
    assert list(m.parameters()) == []


def test_shared_parameters_listed_once():
    lin = nn.Linear(3, 3)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    assert len(list(seq.modules())) == 3


def test_repr_matches_torch():
    torch = torch_or_skip()

    def build(T):
        class Net(T.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.LeakyReLU(0.2), T.nn.Dropout(0.1),
                                            T.nn.Sequential(T.nn.Flatten(0, 1), T.nn.Identity()))
                self.heads = T.nn.ModuleList([T.nn.Linear(4, 2, bias=False) for _ in range(3)] + [T.nn.Tanh()])
                self.sm = T.nn.Softmax(dim=1)
                self.loss = T.nn.CrossEntropyLoss()
        return Net()
    assert repr(build(framework)) == repr(build(torch))
    assert repr(nn.GELU()) == repr(torch.nn.GELU())
    assert repr(nn.ReLU(inplace=True)) == repr(torch.nn.ReLU(inplace=True))
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_parameter_repr():
    p = nn.Parameter(framework.tensor([1.0, 2.0]))
    assert repr(p) == 'Parameter containing:\ntensor([1., 2.], requires_grad=True)'
    assert not nn.Parameter(framework.ones(1), requires_grad=False).requires_grad
    with pytest.raises(RuntimeError, match='^Only Tensors of floating point and complex dtype can require gradients$'):
        nn.Parameter(framework.ones(2, dtype=framework.int64))
    assert nn.Parameter(framework.ones(2, dtype=framework.int64), requires_grad=False).dtype == framework.int64


def test_parameter_containers_repr_matches_torch():
    torch = torch_or_skip()

    def build(T):
        plist = T.nn.ParameterList([T.nn.Parameter(T.ones(2, 3)), T.nn.Parameter(T.ones(4, dtype=T.float64))])
        pdict = T.nn.ParameterDict({'a': T.nn.Parameter(T.ones(2, 3)), 'b': T.nn.Parameter(T.ones(1, dtype=T.float64))})
        return plist, pdict, T.nn.ParameterList(), T.nn.ParameterDict()
    for ours, theirs in zip(build(framework), build(torch)):
        assert repr(ours) == repr(theirs)


def test_state_dict_round_trip():
    a, b = MLP(), MLP()
    a.register_buffer('steps', framework.tensor(3))
    b.register_buffer('steps', framework.tensor(0))
    sd = a.state_dict()
    assert list(sd) == ['steps', 'hidden.weight', 'hidden.bias', 'output.weight', 'output.bias']
    assert not sd['hidden.weight'].requires_grad
    res = b.load_state_dict(sd)
    assert repr(res) == '<All keys matched successfully>'
    for (n1, p1), (n2, p2) in zip(a.state_dict().items(), b.state_dict().items()):
        assert n1 == n2 and np.array_equal(p1.numpy(), p2.numpy())
    assert b.hidden.weight.requires_grad and isinstance(b.hidden.weight, nn.Parameter)
    # the state dict shares memory with the parameters, as in PyTorch
    sd['hidden.bias'][0] = 123.0
    assert a.hidden.bias[0].item() == 123.0


def test_load_state_dict_errors():
    m = nn.Linear(2, 2)
    sd = m.state_dict()
    del sd['bias']
    sd['extra'] = framework.zeros(1)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    assert str(e.value) == ('Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
                            '\n\tUnexpected key(s) in state_dict: "extra". ')
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ['bias'] and res.unexpected_keys == ['extra']
    bad = {'weight': framework.zeros(3, 2), 'bias': framework.zeros(2)}
    with pytest.raises(RuntimeError, match='size mismatch for weight'):
        m.load_state_dict(bad)


def test_nested_load_state_dict_report_matches_torch():
    torch = torch_or_skip()

    def attempt(T, strict):
        m = T.nn.Sequential(T.nn.Linear(2, 2), T.nn.Sequential(T.nn.Linear(2, 1), T.nn.ReLU()))
        m[1].register_buffer('count', T.zeros(1))
        sd = m.state_dict()
        del sd['1.0.bias'], sd['1.count']
        sd['1.0.scale'] = T.zeros(1)
        sd['2.weight'] = T.zeros(1)
        try:
            return repr(m.load_state_dict(sd, strict=strict))
        except RuntimeError as e:
            return str(e)
    for strict in (True, False):
        assert attempt(framework, strict) == attempt(torch, strict)
    assert 'Missing key(s) in state_dict: "1.count", "1.0.bias". ' in attempt(framework, True)


def test_load_state_dict_from_torch_names():
    torch = torch_or_skip()
    t = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    f = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    f.load_state_dict({k: framework.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(f(framework.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_freezing_keeps_grad_none_and_weights_fixed():
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    model[0].requires_grad_(False)
    before = model[0].weight.detach().clone()
    opt = framework.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = framework.randn(8, 4), framework.randn(8, 2)
    for _ in range(3):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    assert model[0].weight.grad is None and model[0].bias.grad is None
    assert np.array_equal(before.numpy(), model[0].weight.detach().numpy())
    assert model[2].weight.grad is not None
    assert [p.requires_grad for p in model.parameters()] == [False, False, True, True]
    # the attribute form freezes one parameter the same way
    model[2].bias.requires_grad = False
    model[2].bias.grad = None
    bias = model[2].bias.detach().clone()
    opt.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()
    opt.step()
    assert model[2].bias.grad is None and model[2].weight.grad is not None
    assert np.array_equal(bias.numpy(), model[2].bias.detach().numpy())


def test_zero_grad_and_train_eval():
    net = MLP()
    net(framework.randn(2, 8)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert net.hidden.weight.grad is not None and net.hidden.weight.grad.abs().sum().item() == 0
    net.zero_grad()
    assert net.hidden.weight.grad is None
    assert net.training and net.hidden.training
    net.eval()
    assert not net.training and not net.output.training
    net.train()
    assert net.act.training
    with pytest.raises(ValueError, match='training mode is expected to be boolean'):
        net.train('yes')


def test_hooks():
    lin = nn.Linear(2, 2)
    seen = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: seen.append(out.shape) or out + 1)
    out = lin(framework.ones(3, 2))
    assert seen == [(3, 2)]
    np.testing.assert_allclose(out.detach().numpy(), (lin.bias + 1).detach().numpy()[None].repeat(3, 0))
    h1.remove()
    h2.remove()
    assert not lin._forward_hooks and not lin._forward_pre_hooks


def test_apply_and_dtype_conversion():
    net = MLP()
    w = net.hidden.weight
    net.double()
    assert net.hidden.weight is w and w.dtype == framework.float64
    assert net(framework.randn(2, 8, dtype=framework.float64)).dtype == framework.float64
    net.to(framework.float32)
    assert w.dtype == framework.float32
    names = []
    net.apply(lambda m: names.append(type(m).__name__))
    assert names == ['Linear', 'ReLU', 'Linear', 'MLP']
    with pytest.raises(TypeError, match='floating point'):
        net.to(framework.int64)
    assert net.to('cpu') is net and net.cpu() is net and net.to(framework.device('cpu')) is net
    assert net.hidden.weight is w and w.device.type == 'cpu'


def test_deepcopy_and_pickle():
    net = MLP()
    c = copy.deepcopy(net)
    assert c.hidden.weight is not net.hidden.weight
    assert np.array_equal(c.hidden.weight.detach().numpy(), net.hidden.weight.detach().numpy())
    assert isinstance(c.hidden.weight, nn.Parameter) and c.hidden.weight.requires_grad
    p = pickle.loads(pickle.dumps(net))
    assert isinstance(p.output.bias, nn.Parameter)
    x = framework.randn(2, 8)
    np.testing.assert_allclose(p(x).detach().numpy(), net(x).detach().numpy())


def test_sequential_indexing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1), nn.Flatten(0, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 4 and seq[0] is layers[0] and seq[-1] is layers[3] and seq[-4] is layers[0]
    sub = seq[1:3]
    assert isinstance(sub, nn.Sequential) and list(sub) == layers[1:3]
    assert [n for n, _ in sub.named_children()] == ['1', '2']
    with pytest.raises(IndexError, match='index 4 is out of range'):
        seq[4]
    seq.append(nn.Identity())
    assert len(seq) == 5 and [n for n, _ in seq.named_children()][-1] == '4'
    del seq[0]
    assert [n for n, _ in seq.named_children()] == ['0', '1', '2', '3']
    assert seq(framework.randn(2, 3)).shape == (2,)
    nested = nn.Sequential(nn.Sequential(nn.Linear(2, 2)), nn.Linear(2, 1))
    assert [n for n, _ in nested.named_parameters()] == ['0.0.weight', '0.0.bias', '1.weight', '1.bias']
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([('fc', nn.Linear(2, 2)), ('act', nn.Tanh())]))
    assert named.fc is named[0]


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    ml.append(nn.Tanh())
    ml.extend([nn.Sigmoid()])
    ml.insert(0, nn.Identity())
    assert [type(m).__name__ for m in ml] == ['Identity', 'Linear', 'ReLU', 'Tanh', 'Sigmoid']
    assert isinstance(ml[1:3], nn.ModuleList) and ml[-1].__class__ is nn.Sigmoid
    assert len(list(ml.parameters())) == 2
    md = nn.ModuleDict({'a': nn.Linear(1, 1), 'b': nn.ReLU()})
    assert list(md.keys()) == ['a', 'b'] and 'a' in md and len(md) == 2
    assert [n for n, _ in md.named_parameters()] == ['a.weight', 'a.bias']


def test_custom_module_with_parameter_and_buffer():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.s = nn.Parameter(framework.tensor(2.0))
            self.register_buffer('count', framework.tensor(0))
            self.register_buffer('tmp', framework.zeros(1), persistent=False)

        def forward(self, x):
            return x * self.s

    m = Scale()
    assert list(m.state_dict()) == ['s', 'count']
    assert [n for n, _ in m.named_buffers()] == ['count', 'tmp']
    out = m(framework.tensor([1.0, 2.0]))
    out.sum().backward()
    assert m.s.grad.item() == 3.0
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


def test_parameters_follow_every_change_of_the_tree():
    """parameters() and zero_grad() walk a cached module list: any change of any module's children must show."""
    import gc
    import weakref
    inner = nn.Sequential(nn.Linear(1, 1))
    outer = nn.Sequential(inner, nn.ReLU())
    counts = [len(list(outer.parameters()))]
    inner.append(nn.Linear(1, 2))                  # a grandchild added after the walk was cached
    counts.append(len(list(outer.parameters())))
    inner._modules['9'] = nn.Linear(2, 3)          # written into the dict directly
    counts.append(len(list(outer.parameters())))
    del inner[0]
    counts.append(len(list(outer.parameters())))
    outer[1] = nn.Linear(3, 1)
    counts.append(len(list(outer.parameters())))
    inner._modules.popitem()
    counts.append(len(list(outer.parameters())))
    assert counts == [2, 4, 6, 4, 6, 4]
    twin = copy.deepcopy(outer)
    assert [tuple(p.shape) for p in twin.parameters()] == [tuple(p.shape) for p in outer.parameters()]
    assert all(p is not q for p, q in zip(twin.parameters(), outer.parameters()))
    gc.disable()
    try:
        ref = weakref.ref(outer)
        outer.zero_grad()
        del outer
        assert ref() is None                       # the cache holds no cycle
    finally:
        gc.enable()
