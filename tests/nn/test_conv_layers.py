"""Conv, pooling, batch-norm, padding and upsampling modules: PyTorch's parameter names and shapes,
init, reprs, buffers, train/eval behaviour, and outputs against torch with the same weights."""
import math

import numpy as np
import pytest

import framework
from framework import nn

from ..conftest import torch_or_skip, torch_or_none


def _copy_weights(ours, theirs):
    torch = torch_or_skip()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})


REPRS = [
    (lambda T: T.nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False),
     'Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)'),
    (lambda T: T.nn.Conv2d(3, 8, 3, padding='same', padding_mode='reflect', dilation=2),
     'Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), padding_mode=reflect)'),
    (lambda T: T.nn.Conv1d(3, 6, 3, groups=3), 'Conv1d(3, 6, kernel_size=(3,), stride=(1,), groups=3)'),
    (lambda T: T.nn.ConvTranspose2d(3, 6, 3, stride=2, output_padding=1),
     'ConvTranspose2d(3, 6, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))'),
    (lambda T: T.nn.MaxPool2d(3, 2, 1), 'MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)'),
    (lambda T: T.nn.MaxPool1d(3), 'MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)'),
    (lambda T: T.nn.AvgPool2d(3), 'AvgPool2d(kernel_size=3, stride=3, padding=0)'),
    (lambda T: T.nn.AvgPool1d(3), 'AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))'),
    (lambda T: T.nn.AdaptiveAvgPool2d((1, 1)), 'AdaptiveAvgPool2d(output_size=(1, 1))'),
    (lambda T: T.nn.AdaptiveMaxPool2d(2), 'AdaptiveMaxPool2d(output_size=2)'),
    (lambda T: T.nn.BatchNorm2d(3),
     'BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)'),
    (lambda T: T.nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False),
     'BatchNorm1d(3, eps=1e-05, momentum=None, affine=False, bias=False, track_running_stats=False)'),
    (lambda T: T.nn.Dropout2d(), 'Dropout2d(p=0.5, inplace=False)'),
    (lambda T: T.nn.ZeroPad2d(2), 'ZeroPad2d((2, 2, 2, 2))'),
    (lambda T: T.nn.ZeroPad2d((1, 2, 3, 4)), 'ZeroPad2d((1, 2, 3, 4))'),
    (lambda T: T.nn.Upsample(scale_factor=2), "Upsample(scale_factor=2.0, mode='nearest')"),
    (lambda T: T.nn.Upsample(size=4, mode='bilinear', align_corners=True), "Upsample(size=4, mode='bilinear')"),
]


@pytest.mark.parametrize('make,text', REPRS, ids=[r[1].split('(')[0] + str(i) for i, r in enumerate(REPRS)])
def test_reprs(make, text):
    assert repr(make(framework)) == text
    torch = torch_or_none()
    if torch is not None:
        assert repr(make(torch)) == text


def test_conv_parameters_shapes_and_init_bounds():
    conv = nn.Conv2d(4, 6, (3, 2), groups=2)
    assert [(n, tuple(p.shape)) for n, p in conv.named_parameters()] == [('weight', (6, 2, 3, 2)), ('bias', (6,))]
    bound = 1 / math.sqrt(2 * 3 * 2)             # kaiming_uniform(a=sqrt(5)) and the bias: 1/sqrt(fan_in)
    assert conv.weight.abs().max().item() <= bound and conv.bias.abs().max().item() <= bound
    big = nn.Conv2d(64, 64, 3)
    # uniform(-b, b) has standard deviation b/sqrt(3)
    assert abs(big.weight.std().item() - (1 / math.sqrt(576)) / math.sqrt(3)) < 2e-3
    t = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert tuple(t.weight.shape) == (4, 3, 3, 3)
    assert nn.Conv1d(2, 3, 5, bias=False).bias is None


def test_conv_module_errors():
    with pytest.raises(ValueError, match='in_channels must be divisible by groups'):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match='out_channels must be divisible by groups'):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        nn.Conv2d(4, 4, 3, padding='same', stride=2)
    with pytest.raises(ValueError, match='padding_mode must be one of'):
        nn.Conv2d(4, 4, 3, padding_mode='foo')


@pytest.mark.parametrize('mode', ['zeros', 'reflect', 'replicate', 'circular'])
def test_conv2d_padding_modes_against_torch(mode):
    torch = torch_or_skip()
    ours = nn.Conv2d(2, 3, (3, 2), padding=(1, 1), padding_mode=mode)
    theirs = torch.nn.Conv2d(2, 3, (3, 2), padding=(1, 1), padding_mode=mode)
    _copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 4)).astype(np.float32)
    xo, xt = framework.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yo.square().sum().backward()
    yt.square().sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_conv_transpose_output_size_against_torch():
    torch = torch_or_skip()
    ours, theirs = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1), torch.nn.ConvTranspose2d(2, 3, 3, stride=2,
                                                                                                padding=1)
    _copy_weights(ours, theirs)
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4)).astype(np.float32)
    yo, yt = ours(framework.tensor(x), output_size=[8, 8]), theirs(torch.tensor(x), output_size=[8, 8])
    assert tuple(yo.shape) == tuple(yt.shape) == (1, 3, 8, 8)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)


def _bn_pair(torch, cls, *args, **kwargs):
    ours, theirs = getattr(nn, cls)(*args, **kwargs), getattr(torch.nn, cls)(*args, **kwargs)
    if ours.affine:
        with framework.no_grad():
            ours.weight.copy_(framework.tensor([1.5, -0.5, 2.0]))
            ours.bias.copy_(framework.tensor([0.1, 0.2, -0.3]))
        _copy_weights(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize('cls,shape,kwargs', [
    ('BatchNorm2d', (4, 3, 5, 5), {}),
    ('BatchNorm1d', (6, 3), {'momentum': None}),
    ('BatchNorm1d', (4, 3, 7), {'affine': False}),
    ('BatchNorm2d', (2, 3, 2, 2), {'track_running_stats': False}),
])
def test_batchnorm_train_eval_and_running_stats_against_torch(cls, shape, kwargs):
    torch = torch_or_skip()
    ours, theirs = _bn_pair(torch, cls, 3, **kwargs)
    rng = np.random.default_rng(2)
    for step in range(3):
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        xo, xt = framework.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yo, yt = ours(xo), theirs(xt)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
        yo.pow(3).sum().backward()
        yt.pow(3).sum().backward()
        np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
        for (n, a), (_, b) in zip(ours.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=n)
    sd_o, sd_t = ours.state_dict(), theirs.state_dict()
    assert list(sd_o) == list(sd_t)
    for k in sd_t:
        np.testing.assert_allclose(sd_o[k].numpy(), sd_t[k].numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(ours(framework.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


def test_batchnorm_buffers_and_cumulative_momentum():
    bn = nn.BatchNorm1d(2, momentum=None)
    assert list(bn.state_dict()) == ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    assert [n for n, _ in bn.named_buffers()] == ['running_mean', 'running_var', 'num_batches_tracked']
    bn(framework.tensor([[0.0, 1.0], [2.0, 1.0]]))
    bn(framework.tensor([[4.0, 1.0], [6.0, 1.0]]))
    # momentum=None: the plain average of the batch means (1 and 5) and unbiased variances (2 and 2, 0 and 0)
    assert bn.running_mean.tolist() == [3.0, 1.0]
    assert bn.running_var.tolist() == [2.0, 0.0]
    assert bn.num_batches_tracked.item() == 2
    assert bn.num_batches_tracked.dtype == framework.int64
    no_stats = nn.BatchNorm2d(2, track_running_stats=False, affine=False)
    assert list(no_stats.state_dict()) == [] and list(no_stats.parameters()) == []


def test_batchnorm_one_value_per_channel_leaves_stats_untouched():
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r'Expected more than 1 value per channel when training, got input size '):
        bn(framework.ones(1, 3, 1, 1))
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert bn.num_batches_tracked.item() == 0
    bn.eval()
    assert bn(framework.ones(1, 3, 1, 1)).shape == (1, 3, 1, 1)      # evaluation uses the running statistics
    with pytest.raises(ValueError, match=r'expected 4D input \(got 2D input\)'):
        bn(framework.ones(2, 3))
    with pytest.raises(ValueError, match=r'expected 2D or 3D input \(got 4D input\)'):
        nn.BatchNorm1d(3)(framework.ones(2, 3, 4, 5))


def test_pool_and_pad_modules():
    x = framework.arange(16.0).reshape(1, 1, 4, 4)
    assert nn.MaxPool2d(2)(x).tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert nn.AvgPool2d(2)(x).tolist() == [[[[2.5, 4.5], [10.5, 12.5]]]]
    assert nn.AdaptiveAvgPool2d(1)(x).tolist() == [[[[7.5]]]]
    assert nn.AdaptiveMaxPool2d((1, 2))(x).tolist() == [[[[13.0, 15.0]]]]
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert idx.tolist() == [[[[5, 7], [13, 15]]]]
    assert nn.ZeroPad2d((1, 0, 0, 1))(framework.ones(1, 1, 1, 1)).tolist() == [[[[0.0, 1.0], [0.0, 0.0]]]]
    assert nn.Upsample(scale_factor=2)(framework.tensor([[[[1.0, 2.0]]]])).tolist() == [[[[1.0, 1.0, 2.0, 2.0]] * 2]]
    d = nn.Dropout2d()
    d.eval()
    assert d(x) is x


def test_small_cnn_trains():
    framework.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(4 * 4 * 4, 2))
    x = framework.randn(16, 1, 8, 8)
    y = (x[:, 0, :4].sum((1, 2)) > x[:, 0, 4:].sum((1, 2))).long()
    opt = framework.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(30):
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]


MODULES = [
    ('ConvTranspose1d', lambda T: T.nn.ConvTranspose1d(2, 4, 3, stride=2, padding=1, output_padding=1, groups=2),
     (2, 2, 5)),
    ('Conv1d_replicate', lambda T: T.nn.Conv1d(2, 3, 3, padding=2, dilation=2, padding_mode='replicate'), (2, 2, 6)),
    ('Conv2d_same_circular', lambda T: T.nn.Conv2d(2, 2, (2, 3), padding='same', padding_mode='circular'),
     (1, 2, 4, 5)),
    ('AvgPool1d', lambda T: T.nn.AvgPool1d(3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 8)),
    ('MaxPool1d', lambda T: T.nn.MaxPool1d(2, 1, dilation=2), (2, 3, 7)),
    ('AdaptiveAvgPool1d', lambda T: T.nn.AdaptiveAvgPool1d(3), (2, 3, 7)),
    ('AdaptiveMaxPool2d', lambda T: T.nn.AdaptiveMaxPool2d((2, 3)), (2, 3, 5, 7)),
    ('ReflectionPad2d', lambda T: T.nn.ReflectionPad2d((1, 2, 2, 1)), (1, 2, 4, 4)),
    ('ReplicationPad1d', lambda T: T.nn.ReplicationPad1d(2), (1, 2, 4)),
    ('ConstantPad2d', lambda T: T.nn.ConstantPad2d(1, 3.5), (1, 2, 2, 2)),
    ('Upsample_bilinear', lambda T: T.nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False), (1, 2, 3, 3)),
    ('UpsamplingNearest2d', lambda T: T.nn.UpsamplingNearest2d(size=(5, 4)), (1, 2, 2, 3)),
    ('UpsamplingBilinear2d', lambda T: T.nn.UpsamplingBilinear2d(scale_factor=2), (1, 1, 2, 3)),
]


@pytest.mark.parametrize('name,make,shape', MODULES, ids=[m[0] for m in MODULES])
def test_modules_against_torch(name, make, shape):
    torch = torch_or_skip()
    framework.manual_seed(0)
    ours, theirs = make(framework), make(torch)
    if list(ours.state_dict()):
        _copy_weights(ours, theirs)
    x = np.random.default_rng(6).permutation(int(np.prod(shape))).reshape(shape).astype(np.float32) * 0.1
    xo, xt = framework.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    assert tuple(yo.shape) == tuple(yt.shape)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    w = np.random.default_rng(7).standard_normal(tuple(yt.shape)).astype(np.float32)
    (yo * framework.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert repr(ours) == repr(theirs)


def test_cnn_graph_is_freed_by_reference_counting():
    """Conv, batch-norm and pooling nodes hold no reference cycles: dropping the output frees the graph
    (garbage collection off), and backward frees what they saved."""
    import gc
    import weakref
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        net = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                            nn.AvgPool2d(2), nn.ConvTranspose2d(3, 2, 2, stride=2))
        x = framework.randn(2, 2, 8, 8, requires_grad=True)
        out = net(x)
        nodes, node = [], out.grad_fn
        while node is not None:
            nodes.append(weakref.ref(node))
            node = next((fn for fn, _ in node.next_functions if fn is not None and fn.next_functions), None)
        assert len(nodes) >= 6
        del out, node
        assert all(r() is None for r in nodes)
        out = net(x)
        pool_node = weakref.ref(out.grad_fn.next_functions[0][0])
        out.sum().backward()
        assert pool_node() is not None and pool_node()._saved is None      # saved values freed by backward
        with pytest.raises(RuntimeError, match='backward through the graph a second time'):
            out.sum().backward()
    finally:
        if was:
            gc.enable()
