"""framework.models: torchvision's resnet architecture and state_dict keys, the freezing example,
and LeNet."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import framework
from framework import nn, models

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _block(prefix, downsample=False):
    keys = []
    for part in ('conv1', 'bn1', 'conv2', 'bn2') + (('downsample.0', 'downsample.1') if downsample else ()):
        if 'conv' in part or part.endswith('.0'):
            keys.append(f'{prefix}.{part}.weight')
        else:
            keys += [f'{prefix}.{part}.{k}' for k in ('weight', 'bias', 'running_mean', 'running_var',
                                                      'num_batches_tracked')]
    return keys


# torchvision.models.resnet18().state_dict().keys(), in order
RESNET18_KEYS = [
    'conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked',
    'layer1.0.conv1.weight', 'layer1.0.bn1.weight', 'layer1.0.bn1.bias', 'layer1.0.bn1.running_mean',
    'layer1.0.bn1.running_var', 'layer1.0.bn1.num_batches_tracked', 'layer1.0.conv2.weight', 'layer1.0.bn2.weight',
    'layer1.0.bn2.bias', 'layer1.0.bn2.running_mean', 'layer1.0.bn2.running_var', 'layer1.0.bn2.num_batches_tracked',
    'layer1.1.conv1.weight', 'layer1.1.bn1.weight', 'layer1.1.bn1.bias', 'layer1.1.bn1.running_mean',
    'layer1.1.bn1.running_var', 'layer1.1.bn1.num_batches_tracked', 'layer1.1.conv2.weight', 'layer1.1.bn2.weight',
    'layer1.1.bn2.bias', 'layer1.1.bn2.running_mean', 'layer1.1.bn2.running_var', 'layer1.1.bn2.num_batches_tracked',
    'layer2.0.conv1.weight', 'layer2.0.bn1.weight', 'layer2.0.bn1.bias', 'layer2.0.bn1.running_mean',
    'layer2.0.bn1.running_var', 'layer2.0.bn1.num_batches_tracked', 'layer2.0.conv2.weight', 'layer2.0.bn2.weight',
    'layer2.0.bn2.bias', 'layer2.0.bn2.running_mean', 'layer2.0.bn2.running_var', 'layer2.0.bn2.num_batches_tracked',
    'layer2.0.downsample.0.weight', 'layer2.0.downsample.1.weight', 'layer2.0.downsample.1.bias',
    'layer2.0.downsample.1.running_mean', 'layer2.0.downsample.1.running_var',
    'layer2.0.downsample.1.num_batches_tracked', 'layer2.1.conv1.weight', 'layer2.1.bn1.weight', 'layer2.1.bn1.bias',
    'layer2.1.bn1.running_mean', 'layer2.1.bn1.running_var', 'layer2.1.bn1.num_batches_tracked',
    'layer2.1.conv2.weight', 'layer2.1.bn2.weight', 'layer2.1.bn2.bias', 'layer2.1.bn2.running_mean',
    'layer2.1.bn2.running_var', 'layer2.1.bn2.num_batches_tracked', 'layer3.0.conv1.weight', 'layer3.0.bn1.weight',
    'layer3.0.bn1.bias', 'layer3.0.bn1.running_mean', 'layer3.0.bn1.running_var', 'layer3.0.bn1.num_batches_tracked',
    'layer3.0.conv2.weight', 'layer3.0.bn2.weight', 'layer3.0.bn2.bias', 'layer3.0.bn2.running_mean',
    'layer3.0.bn2.running_var', 'layer3.0.bn2.num_batches_tracked', 'layer3.0.downsample.0.weight',
    'layer3.0.downsample.1.weight', 'layer3.0.downsample.1.bias', 'layer3.0.downsample.1.running_mean',
    'layer3.0.downsample.1.running_var', 'layer3.0.downsample.1.num_batches_tracked', 'layer3.1.conv1.weight',
    'layer3.1.bn1.weight', 'layer3.1.bn1.bias', 'layer3.1.bn1.running_mean', 'layer3.1.bn1.running_var',
    'layer3.1.bn1.num_batches_tracked', 'layer3.1.conv2.weight', 'layer3.1.bn2.weight', 'layer3.1.bn2.bias',
    'layer3.1.bn2.running_mean', 'layer3.1.bn2.running_var', 'layer3.1.bn2.num_batches_tracked',
    'layer4.0.conv1.weight', 'layer4.0.bn1.weight', 'layer4.0.bn1.bias', 'layer4.0.bn1.running_mean',
    'layer4.0.bn1.running_var', 'layer4.0.bn1.num_batches_tracked', 'layer4.0.conv2.weight', 'layer4.0.bn2.weight',
    'layer4.0.bn2.bias', 'layer4.0.bn2.running_mean', 'layer4.0.bn2.running_var', 'layer4.0.bn2.num_batches_tracked',
    'layer4.0.downsample.0.weight', 'layer4.0.downsample.1.weight', 'layer4.0.downsample.1.bias',
    'layer4.0.downsample.1.running_mean', 'layer4.0.downsample.1.running_var',
    'layer4.0.downsample.1.num_batches_tracked', 'layer4.1.conv1.weight', 'layer4.1.bn1.weight', 'layer4.1.bn1.bias',
    'layer4.1.bn1.running_mean', 'layer4.1.bn1.running_var', 'layer4.1.bn1.num_batches_tracked',
    'layer4.1.conv2.weight', 'layer4.1.bn2.weight', 'layer4.1.bn2.bias', 'layer4.1.bn2.running_mean',
    'layer4.1.bn2.running_var', 'layer4.1.bn2.num_batches_tracked', 'fc.weight', 'fc.bias',
]


def test_resnet18_state_dict_keys_are_torchvisions():
    assert list(models.resnet18().state_dict()) == RESNET18_KEYS
    # the same list, from the block structure: layers of 2 blocks, a downsample opening layers 2-4
    built = RESNET18_KEYS[:6]
    for layer in range(1, 5):
        built += _block(f'layer{layer}.0', downsample=layer > 1) + _block(f'layer{layer}.1')
    assert built + ['fc.weight', 'fc.bias'] == RESNET18_KEYS


def test_resnet_sizes_and_shapes():
    m = models.resnet18(num_classes=7)
    sd = m.state_dict()
    assert tuple(sd['conv1.weight'].shape) == (64, 3, 7, 7)
    assert tuple(sd['layer2.0.downsample.0.weight'].shape) == (128, 64, 1, 1)
    assert tuple(sd['layer4.1.conv2.weight'].shape) == (512, 512, 3, 3)
    assert tuple(sd['fc.weight'].shape) == (7, 512)
    assert sum(p.numel() for p in models.resnet18().parameters()) == 11689512      # torchvision's count
    assert len(models.resnet34().state_dict()) == 218
    r50 = models.resnet50()
    assert len(r50.state_dict()) == 320
    assert sum(p.numel() for p in r50.parameters()) == 25557032
    assert tuple(r50.state_dict()['layer1.0.conv3.weight'].shape) == (256, 64, 1, 1)
    assert repr(m.layer1[0].conv1) == 'Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)'


def test_resnet_init_as_torchvision():
    m = models.resnet18()
    w = m.layer3[0].conv2.weight
    std = (2.0 / (256 * 9)) ** 0.5                 # kaiming normal, fan_out, relu gain
    assert abs(w.std().item() - std) < 0.05 * std
    assert m.bn1.weight.tolist() == [1.0] * 64 and m.bn1.bias.tolist() == [0.0] * 64
    assert models.resnet18(zero_init_residual=True).layer1[0].bn2.weight.abs().sum().item() == 0


def test_resnet_forward_backward_and_eval():
    framework.manual_seed(0)
    m = models.resnet18(num_classes=3)
    x = framework.randn(2, 3, 32, 32)
    y = m(x)
    assert y.shape == (2, 3)
    y.sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    assert m.bn1.num_batches_tracked.item() == 1
    m.eval()
    with framework.no_grad():
        a, b = m(x[:1]), m(x)[:1]
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-5)   # eval: no batch statistics


def test_no_download_ever():
    with pytest.raises(RuntimeError, match='never downloads weights'):
        models.resnet18(weights='IMAGENET1K_V1')
    with pytest.raises(RuntimeError, match='never downloads weights'):
        models.resnet18(pretrained=True)


def test_frozen_parameters_do_not_change_while_fc_trains():
    framework.manual_seed(0)
    model = models.resnet18()
    for p in model.parameters():
        p.requires_grad = False
    model.fc = nn.Linear(512, 10)
    opt = framework.optim.SGD(model.fc.parameters(), lr=0.1, momentum=0.9)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, t = framework.randn(4, 3, 32, 32), framework.tensor([1, 2, 3, 4])
    losses = []
    for _ in range(4):
        loss = nn.functional.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    after = model.state_dict()
    for k, v in before.items():
        if k.startswith('fc.'):
            assert not framework.equal(v, after[k]), k
        elif 'running' in k or 'num_batches' in k:
            continue                                  # train mode still updates the batch-norm statistics
        else:
            assert framework.equal(v, after[k]), k
    assert all(p.grad is None for n, p in model.named_parameters() if not n.startswith('fc.'))
    assert losses[-1] < losses[0]


def test_freeze_example_runs():
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get('PYTHONPATH', ''))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, 'examples', 'freeze_resnet18.py')], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    losses = [float(v) for v in re.findall(r'loss (\d+\.\d+)', out)]
    assert len(losses) == 5 and losses[-1] < losses[0]
    assert "trainable parameters: ['fc.weight', 'fc.bias']" in out
    assert 'frozen parameters unchanged: True (60 tensors)' in out
    assert 'frozen parameters have no grad: True' in out
    assert 'fc changed: True' in out


def test_lenet():
    for size in (28, 8):
        net = models.lenet(image_size=size)
        out = net(framework.randn(3, 1, size, size))
        assert out.shape == (3, 10)
    assert [n for n, _ in models.LeNet().named_parameters()][:2] == ['features.0.weight', 'features.0.bias']


def test_a_torch_written_resnet18_checkpoint_loads_strictly(tmp_path):
    """Issue 16's last clause: a checkpoint with torchvision's resnet18 keys, written by torch.save, loads
    1:1 into framework's resnet18 (torchvision itself is not installed here: torch writes the same keys and
    shapes from framework's state dict, which test_resnet18_state_dict_keys_are_torchvisions pins)."""
    torch = pytest.importorskip('torch')
    src = models.resnet18()
    sd = {k: torch.from_numpy(v.detach().numpy().copy()) for k, v in src.state_dict().items()}
    torch.save(sd, tmp_path / 'resnet18.pth')
    dst = models.resnet18()
    result = dst.load_state_dict(framework.load(tmp_path / 'resnet18.pth'), strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    for (k, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), k        # exact: a copy through one file
    assert dst.bn1.num_batches_tracked.dtype == framework.int64
