"""Config validation, overrides and the command line: every bad-config class gets one message naming the
key path and exit status 2, never a traceback."""
import os
import subprocess
import sys

import pytest

from framework.training import main, load_config, ConfigError
from framework.training.config import apply_overrides, parse_override, resolve, reference
from .helpers import ROOT, config_path

SIN = config_path('sin_cubic')


def run_main(capsys, *args, config=SIN):
    argv = (['--config', config] if config else []) + ['--no-progress'] + list(args)
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


BAD = [
    # wrong types
    (['optimizer.momentum=fast'], "optimizer.momentum: expected a number, got 'fast'"),
    (['seed=1.5'], 'seed: expected a non-negative integer, got 1.5'),
    (['seed=-1'], 'seed: expected a non-negative integer, got -1'),
    (['train.steps=0'], 'train.steps: expected a positive integer or null, got 0'),
    (['train.shuffle=maybe'], "train.shuffle: expected true or false, got 'maybe'"),
    (['train.val_split=1.5'], 'train.val_split: expected a number in [0, 1), got 1.5'),
    (['loss.reduction=5'], 'loss.reduction: expected a string, got 5'),
    (['device=tpu'], "device: expected one of cpu, cuda, auto, got 'tpu'"),
    (['model.layers.0.Linear=[3.5, 1]'], 'model.layers[0].Linear.in_features: expected an integer, got 3.5'),
    (['scheduler=StepLR', 'scheduler.step_size=x'], "scheduler.step_size: expected an integer, got 'x'"),
    (['scheduler=StepLR', 'scheduler.step_size=0'], 'scheduler.step_size: expected a positive integer, got 0'),
    (['scheduler=CosineAnnealingLR', 'scheduler.T_max=0'], 'scheduler.T_max: expected a positive integer, got 0'),
    # unknown names, with the valid ones listed
    (['model.layers.1=Flaten'], "model.layers[1]: unknown layer 'Flaten' (did you mean 'Flatten'?); valid layers: "),
    (['loss.name=MSE'], "loss.name: unknown loss 'MSE' (did you mean 'MSELoss'?); valid losses: "),
    (['optimizer.name=Adamm'], "optimizer.name: unknown optimizer 'Adamm' (did you mean 'Adam'?); valid optimizers: "),
    (['scheduler.name=StepLRR'], "scheduler.name: unknown scheduler 'StepLRR'"),
    (['data.name=cifar'],
     "data.name: unknown data 'cifar'; valid: sin_cubic, random, spirals, blobs, digits, text, npz, npy, csv"),
    (['train.metrics=[acc]'], "train.metrics[0]: unknown metric 'acc'; valid metrics: accuracy, mse, mae"),
    # unknown keys
    (['train.epoch=3'], "train.epoch: unknown key (did you mean 'epochs'?); valid keys: steps, epochs"),
    (['optimiser.lr=1'], "optimiser: unknown key (did you mean 'optimizer'?)"),
    (['optimizer.momentun=0.9'], 'optimizer.momentun: unknown argument of SGD; valid: lr, momentum'),
    (['data.params.nn=3'], "data.params.nn: unknown parameter of generator 'sin_cubic'; valid: n, low, high, degree"),
    # missing files and keys
    (['data.name=npz', 'data.path=no/such.npz'], 'data.path: file not found: no/such.npz'),
    (['data.name=csv'], 'data.path: missing (data.name is csv)'),
    (['model.init=no/such.npz'], 'model.init: file not found: no/such.npz'),
    (['model.class=tests.training.nowhere:Net'], 'model: set exactly one of model.layers'),
    (['scheduler.name=StepLR'], 'scheduler.step_size: missing (required by StepLR)'),
    # values the classes reject, and inconsistent settings
    (['optimizer.lr=-1'], 'optimizer: SGD: Invalid learning rate: -1'),
    (['train.epochs=3'], 'train: set exactly one of train.steps or train.epochs (got steps=2000, epochs=3)'),
    (['model.init.0.weight=[1, 2]'], 'model.init.0.weight: expected shape [1, 3], got [2]'),
    (['model.init=null', 'model.layers.0.Linear=[4, 1]'], 'model/loss: the model does not fit the data'),
    # a size that broadcasts against a couple of samples but not against a batch
    (['loss=BCEWithLogitsLoss', 'loss.pos_weight=[1, 2]'], 'model/loss: the model does not fit the data: '),
    # overrides themselves
    (['optimizer.lr'], "override 'optimizer.lr': expected dotted.key=value"),
    (['model.layers.7.Linear=[1, 1]'], "model.layers is a list of 2; '7' is not an index in it"),
]


@pytest.mark.parametrize('overrides,message', BAD, ids=[' '.join(o) for o, _ in BAD])
def test_bad_config_exits_2_with_one_clear_line(capsys, tmp_path, overrides, message):
    code, out, err = run_main(capsys, f'output.dir={tmp_path}', *overrides)
    assert code == 2
    assert message in err
    assert 'Traceback' not in err + out
    assert len(err.strip().splitlines()) == 1
    assert not os.listdir(tmp_path)  # nothing is created before the config is known to be good


def test_missing_and_invalid_config_files(capsys, tmp_path):
    code, _, err = run_main(capsys, config=str(tmp_path / 'nope.yaml'))
    assert code == 2 and f'--config: file not found: {tmp_path / "nope.yaml"}' in err
    bad = tmp_path / 'bad.yaml'
    bad.write_text('data: [unclosed\n')
    code, _, err = run_main(capsys, config=str(bad))
    assert code == 2 and 'invalid YAML' in err
    listy = tmp_path / 'list.yaml'
    listy.write_text('- 1\n- 2\n')
    code, _, err = run_main(capsys, config=str(listy))
    assert code == 2 and 'expected a mapping of sections at the top level' in err
    code, _, err = run_main(capsys, config=None)
    assert code == 2 and 'give --config FILE' in err


def test_missing_sections_and_keys():
    with pytest.raises(ConfigError, match=r'^model: missing section$'):
        resolve({'data': {'name': 'sin_cubic'}, 'loss': 'MSELoss', 'optimizer': {'name': 'SGD'}})
    with pytest.raises(ConfigError, match=r'^data.name: missing \(expected a string\)$'):
        resolve({'data': {}, 'model': ['Linear'], 'loss': 'MSELoss', 'optimizer': 'SGD', 'train': {'steps': 1}})
    with pytest.raises(ConfigError, match='optimizer.name: missing'):
        resolve({'data': {'name': 'sin_cubic'}, 'model': ['ReLU'], 'loss': 'MSELoss', 'optimizer': {'lr': 1}})


def test_yaml_is_read_safely(capsys, tmp_path):
    evil = tmp_path / 'evil.yaml'
    evil.write_text("seed: !!python/object/apply:os.system ['echo pwned']\n")
    code, out, err = run_main(capsys, config=str(evil))
    assert code == 2 and 'invalid YAML' in err and 'pwned' not in out


def test_subprocess_exit_code_and_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, 'train.py', '--config', 'configs/sin_cubic.yaml',
                           'optimizer.momentum=fast', f'output.dir={tmp_path}'],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "train.py: error: optimizer.momentum: expected a number, got 'fast'"
    assert proc.stdout == ''


def test_help_documents_overrides_and_keys(capsys):
    with pytest.raises(SystemExit) as e:
        main(['--help'])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert 'dotted.key=value' in out and 'optimizer.lr=0.01' in out and '--resume RUN_DIR' in out
    for key, *_ in reference():
        assert key in out


def test_override_values_are_yaml_typed():
    assert parse_override('optimizer.lr=1e-3') == (['optimizer', 'lr'], 0.001)
    assert parse_override('train.steps=30') == (['train', 'steps'], 30)
    assert parse_override('train.shuffle=true') == (['train', 'shuffle'], True)
    assert parse_override('scheduler=null') == (['scheduler'], None)
    assert parse_override('train.metrics=[accuracy, mse]') == (['train', 'metrics'], ['accuracy', 'mse'])
    assert parse_override('output.name=a=b') == (['output', 'name'], 'a=b')


def test_overrides_set_nested_keys_lists_and_dotted_names():
    raw = {'loss': 'MSELoss', 'model': {'layers': [{'Linear': [3, 1]}], 'init': {'0.bias': [0.0]}}}
    out = apply_overrides(raw, ['loss.reduction=sum', 'model.layers.0.Linear=[3, 2]', 'model.init.0.bias=[1.5]',
                                'scheduler.name=StepLR', 'scheduler.step_size=10'])
    assert out['loss'] == {'name': 'MSELoss', 'reduction': 'sum'}
    assert out['model']['layers'][0] == {'Linear': [3, 2]}
    assert out['model']['init'] == {'0.bias': [1.5]}
    assert out['scheduler'] == {'name': 'StepLR', 'step_size': 10}
    assert raw['loss'] == 'MSELoss'  # the input is not modified
    assert apply_overrides(raw, {'optimizer.lr': 0.5})['optimizer'] == {'lr': 0.5}


def test_resolve_fills_every_default():
    cfg, name = load_config(SIN, ['train.log_every=7'])
    assert name == 'sin_cubic'
    assert cfg['train']['log_every'] == 7 and cfg['train']['batch_size'] is None
    assert cfg['output']['overwrite'] is False and cfg['data']['target'] == 'y'
    assert cfg['model']['layers'] == [{'Linear': [3, 1]}, {'Flatten': [0, 1]}]
    assert cfg['optimizer'] == {'name': 'SGD', 'lr': 1e-6}
    assert resolve(cfg) == cfg  # a resolved config is a valid config (run dirs keep it)


def test_readme_documents_every_key():
    with open(os.path.join(ROOT, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    def shown(default):           # a default as the README writes it: in YAML, or `required`
        if isinstance(default, (bool, type(None))):
            return {None: 'null', True: 'true', False: 'false'}[default]
        return default if isinstance(default, (str, int, float, list, dict)) else 'required'
    for key, type_name, default, doc in reference():
        assert f'| `{key}` | {type_name} | `{shown(default)}` | {doc} |' in readme, key
    from framework.training.data import GENERATORS, generator_params
    for name, fn in GENERATORS.items():      # the data table gives each generator's parameters and defaults
        row = next(line for line in readme.splitlines() if line.startswith(f'| `{name}` |'))
        for k, v in generator_params(fn).items():
            assert f'{k}: ' in row and (k in ('low', 'high') or f'{k}: {v}' in row), (name, k)
    for key in ('model.layers', 'model.class', 'model.kwargs', 'model.init', 'scheduler.interval'):
        assert f'| `{key}` |' in readme, key
    assert 'python -m venv' not in readme  # the quick start's exact commands stay as they are
    assert 'pip install -e . && python train.py --config configs/sin_cubic.yaml' in readme
    assert 'pip install -e ".[dev]" && python -m pytest -q' in readme
