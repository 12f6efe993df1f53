"""Each examples/seed_*.py runs on framework and prints what the same script prints under PyTorch.

With torch importable the script is run a second time with `framework` swapped for `torch` in its imports
(the only change SPEC allows), and the outputs are compared; without torch, the comparison is with the
output PyTorch 2.13 printed, stored in expected/. Numbers are compared to the precision they were printed
with (float32 sums may differ in the last bits); object addresses and the module prefix of dtypes
(torch.float32 / framework.float32) are ignored; everything else must match.
"""
import os
import re
import subprocess
import sys

import pytest

from tests.printout import NUMBER, assert_same_printout

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, 'examples')
EXPECTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'expected')
SCRIPTS = sorted(f for f in os.listdir(EXAMPLES) if f.startswith('seed_') and f.endswith('.py'))


def run(source_path, cwd, env_torch=False):
    proc = subprocess.run([sys.executable, source_path], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def as_torch(source):
    """The script with framework's imports replaced by torch's: `import framework as torch` → `import torch`."""
    source = re.sub(r'^import framework as torch$', 'import torch', source, flags=re.M)
    source = re.sub(r'^import framework as (\w+)$', r'import torch as \1', source, flags=re.M)
    return re.sub(r'^from framework(\.| )', r'from torch\1', source, flags=re.M)


def torch_output(script, tmp_path):
    try:
        import torch  # noqa: F401
    except ImportError:
        with open(os.path.join(EXPECTED, script.replace('.py', '.txt')), encoding='utf-8') as f:
            return f.read()
    path = tmp_path / script
    with open(os.path.join(EXAMPLES, script), encoding='utf-8') as f:
        path.write_text(as_torch(f.read()), encoding='utf-8')
    return run(str(path), ROOT)


@pytest.mark.parametrize('script', SCRIPTS)
def test_seed_example_prints_what_pytorch_prints(script, tmp_path):
    ours = run(os.path.join(EXAMPLES, script), ROOT)
    assert_same_printout(ours, torch_output(script, tmp_path))


def test_seed_004_example_agrees_with_the_config_run(tmp_path):
    """The hand-written loop and `configs/sin_cubic.yaml` fit the same polynomial. Not bit for bit: the
    example takes framework.sin (NumPy's float32 kernel) and the config's data generator sin in float64
    rounded once, which differ in the last bit for some of the 2000 points."""
    ours = run(os.path.join(EXAMPLES, 'seed_004_requires_grad_and_sin_fit.py'), ROOT)
    from framework.training import train
    from tests.training.test_trainer import SEED_004_RESULT
    r = train(os.path.join(ROOT, 'configs', 'sin_cubic.yaml'), overrides=[f'output.dir={tmp_path}'],
              progress=False, report=False)
    assert_same_printout(ours.splitlines()[-1], r.polynomial, rtol=1e-5, names=('example', 'config run'))
    assert_same_printout(ours.splitlines()[-1], SEED_004_RESULT, rtol=1e-5, names=('example', 'PyTorch 2.13'))


def test_every_seed_has_an_example():
    seeds = {f[:3] for f in os.listdir(os.path.join(ROOT, '..', 'shared', 'seeds'))} \
        if os.path.isdir(os.path.join(ROOT, '..', 'shared', 'seeds')) else {'000', '001', '002', '003', '004'}
    assert {s[5:8] for s in SCRIPTS} >= seeds


def test_custom_model_example_trains_to_high_accuracy(tmp_path):
    out = run(os.path.join(EXAMPLES, 'custom_model.py'), str(tmp_path))
    losses = [float(v) for v in re.findall(r'loss (\d+\.\d+)', out)]
    assert len(losses) == 8 and losses[-1] < 0.5 * losses[0]
    assert float(re.search(r'test accuracy: (\d\.\d+)', out).group(1)) >= 0.9


def test_train_custom_module_example_reaches_the_optimum(tmp_path):
    out = run(os.path.join(EXAMPLES, 'train_custom_module.py'), str(tmp_path))
    assert abs(float(re.search(r'2000 steps, final loss ([\d.]+)', out).group(1)) - 8.8172) < 1e-4
    coefficients = [float(v) for v in NUMBER.findall(out.strip().splitlines()[-1]) if '.' in v]
    assert max(abs(abs(c) - w) for c, w in zip(coefficients, [0.0, 0.8567, 0.0, 0.0933])) < 1e-4
    assert os.path.isfile(tmp_path / 'runs' / 'custom_model' / 'checkpoint.npz')
