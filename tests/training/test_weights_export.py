"""model.weights (load a .pt/.pth/.safetensors state dict before training), output.export (final weights for
PyTorch) and logging.tensorboard."""
import os
import subprocess
import sys

import numpy as np
import pytest

import framework
from framework.training import main, train
from .helpers import config_path, ROOT

SHORT = ['--no-progress', 'train.epochs=2', 'train.log_every=10', 'output.plot=false']


def _classify(tmp_path, *extra, name='run'):
    code = main(['--config', config_path('classify'), f'output.dir={tmp_path}', f'output.name={name}', *SHORT,
                 *extra])
    return code, str(tmp_path / name)


def _torch_classify(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3))


def test_export_pt_is_read_by_torch_sequential(tmp_path):
    torch = pytest.importorskip('torch')
    # the command, shortened: the file loads with weights_only=True into PyTorch's Sequential, strictly
    p = subprocess.run([sys.executable, 'train.py', '--config', 'configs/classify.yaml', 'output.export=pt',
                        f'output.dir={tmp_path}', *SHORT], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    path = tmp_path / 'classify' / 'model.pt'
    sd = torch.load(path, weights_only=True)
    m = _torch_classify(torch)
    m.load_state_dict(sd, strict=True)
    ours = framework.nn.Sequential(framework.nn.Linear(2, 64), framework.nn.ReLU(), framework.nn.Linear(64, 64),
                                   framework.nn.ReLU(), framework.nn.Linear(64, 3))
    ours.load_state_dict(framework.load(path), strict=True)
    x = np.random.default_rng(0).standard_normal((8, 2)).astype(np.float32)
    np.testing.assert_allclose(m(torch.from_numpy(x)).detach().numpy(),
                               ours(framework.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_export_safetensors_and_weights_round_trip(tmp_path):
    pytest.importorskip('safetensors')
    code, run = _classify(tmp_path, 'output.export=safetensors')
    assert code == 0
    path = os.path.join(run, 'model.safetensors')
    exported = framework.load(path)
    # a new run starting from those weights, zero steps of learning rate: the same weights come out
    r = train(config_path('classify'), overrides=[f'output.dir={tmp_path}', 'output.name=again', 'train.steps=1',
                                                  'train.epochs=null', 'optimizer.lr=0.0', f'model.weights={path}',
                                                  'output.plot=false'], progress=False, report=False)
    for k, v in r.model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), exported[k].numpy())


def test_weights_from_torch(tmp_path):
    torch = pytest.importorskip('torch')
    m = _torch_classify(torch)
    torch.save({'state_dict': m.state_dict(), 'epoch': 3}, tmp_path / 'torch.pth')     # a common wrapper
    r = train(config_path('classify'), overrides=[f'output.dir={tmp_path}', 'train.steps=1', 'train.epochs=null',
                                                  'optimizer.lr=0.0', f"model.weights={tmp_path / 'torch.pth'}",
                                                  'output.plot=false'], progress=False, report=False)
    for (k, v), (_, w) in zip(r.model.state_dict().items(), m.state_dict().items()):
        np.testing.assert_allclose(v.numpy(), w.numpy(), rtol=1e-6, atol=0)


def test_weights_that_do_not_fit_list_the_difference(tmp_path, capsys):
    nn = framework.nn
    sd = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 3),
                       nn.Linear(3, 3)).state_dict()
    del sd['0.bias']
    framework.save(sd, tmp_path / 'w.pt')
    code, _ = _classify(tmp_path, f"model.weights={tmp_path / 'w.pt'}")
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"model.weights: {tmp_path / 'w.pt'} does not fit the model: missing keys: 0.bias; " in err
    assert 'unexpected keys: 5.weight, 5.bias' in err
    assert 'shape mismatch: 2.weight (file [32, 64], model [64, 64]), 2.bias (file [32], model [64]), ' \
           '4.weight (file [3, 32], model [3, 64])' in err


@pytest.mark.parametrize('bad,message', [
    ('w.npz', 'model.weights: expected a .pt, .pth or .safetensors file'),
    ('missing.pt', 'model.weights: file not found'),
    ('cut.pt', 'cut.pt: damaged or not a PyTorch file'),
    ('list.pt', 'holds no state dict'),
])
def test_bad_weights_files(tmp_path, capsys, bad, message):
    framework.save([framework.ones(2)], tmp_path / 'list.pt')
    framework.save({'a': framework.ones(2)}, tmp_path / 'full.pt')
    (tmp_path / 'cut.pt').write_bytes((tmp_path / 'full.pt').read_bytes()[:50])
    code, _ = _classify(tmp_path, f'model.weights={tmp_path / bad}')
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err


def test_tensorboard_gets_the_csv_values(tmp_path):
    pytest.importorskip('tensorboardX')
    from tensorboardX.proto import event_pb2
    from framework.training import read_metrics
    code, run = _classify(tmp_path, 'logging.tensorboard=true', 'train.checkpoint_every=10', 'train.epochs=null',
                          'train.steps=40')
    assert code == 0
    # continue it: TensorBoard then holds each step once, as metrics.csv does
    assert main(['--resume', run, '--no-progress', 'train.steps=60']) == 0
    scalars = {}
    for name in sorted(os.listdir(os.path.join(run, 'tensorboard'))):
        with open(os.path.join(run, 'tensorboard', name), 'rb') as f:
            data = f.read()
        pos = 0
        while pos < len(data):           # TFRecord: length, crc, event bytes, crc
            n = int.from_bytes(data[pos:pos + 8], 'little')
            ev = event_pb2.Event.FromString(data[pos + 12:pos + 12 + n])
            pos += 16 + n
            for v in ev.summary.value:
                scalars[(v.tag, ev.step)] = v.simple_value
    rows = read_metrics(os.path.join(run, 'metrics.csv'))
    assert [r['step'] for r in rows] == [10, 20, 30, 40, 50, 60]
    for r in rows:
        for col in ('loss', 'lr', 'val_loss', 'val_accuracy', 'epoch'):
            np.testing.assert_allclose(scalars[(col, r['step'])], r[col], rtol=1e-6)
    assert {s for _, s in scalars} == {10, 20, 30, 40, 50, 60}


def test_tensorboard_missing_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, 'tensorboardX', None)
    code, _ = _classify(tmp_path, 'logging.tensorboard=true')
    assert code == 2
    assert 'logging.tensorboard needs the tensorboardX package: pip install -e ".[tensorboard]"' in \
        capsys.readouterr().err


def test_graph_option_writes_the_step_graph_and_changes_nothing(tmp_path, capsys, monkeypatch):
    dropout = 'model.layers.3={Dropout: {p: 0.5}}'
    code, run = _classify(tmp_path, '--graph', 'train.steps=3', 'train.epochs=null', dropout, name='g')
    assert code == 0
    out = capsys.readouterr().out
    import shutil
    try:
        import graphviz  # noqa: F401
        drawn = shutil.which('dot') is not None
    except ImportError:
        drawn = False
    path = os.path.join(run, 'graph.svg' if drawn else 'graph.dot')
    assert f"graph of one step's loss: {path}" in out
    text = open(path, encoding='utf-8').read()
    for name in ('CrossEntropyLossBackward0' if not drawn else 'Backward0', 'AccumulateGrad', '0.weight', '4.bias'):
        assert name in text
    # the same run without --graph: the same weights (the graph's forward does not disturb the RNG)
    code, plain = _classify(tmp_path, 'train.steps=3', 'train.epochs=null', dropout, name='plain')
    from framework.training import checkpoint as ckpt
    a, b = ckpt.load(run)[0], ckpt.load(plain)[0]
    for k in a:
        if k.startswith('model/'):
            np.testing.assert_array_equal(a[k], b[k])
    # without graphviz: the .dot file, and the notice says how to render it
    monkeypatch.setitem(sys.modules, 'graphviz', None)
    code, run = _classify(tmp_path, '--graph', 'train.steps=1', 'train.epochs=null', name='nodot')
    out = capsys.readouterr().out
    assert os.path.isfile(os.path.join(run, 'graph.dot')) and 'pip install -e ".[viz]"' in out
