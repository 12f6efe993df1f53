"""framework.save/load of .safetensors state dicts (the safetensors package's NumPy API), with PyTorch's
safetensors writer and reader as the other side where torch is installed."""
import collections

import numpy as np
import pytest

import framework

pytest.importorskip('safetensors')
DTYPES = ['float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool']


def _state():
    rng = np.random.default_rng(0)
    sd = collections.OrderedDict()
    for d in DTYPES:
        a = rng.standard_normal((3, 2)) * 50
        sd[f'{d}.w'] = framework.from_numpy((a > 0) if d == 'bool' else a.astype(d))
    sd['t'] = framework.arange(6.).reshape(2, 3).t()          # non-contiguous
    return sd


def _check(ours, theirs):
    a = ours.numpy()
    b = theirs.numpy() if hasattr(theirs, 'numpy') else theirs
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-6, atol=0)


def test_round_trip_by_extension_and_by_format(tmp_path):
    sd = _state()
    framework.save(sd, tmp_path / 'm.safetensors')
    assert (tmp_path / 'm.safetensors').read_bytes()[8:9] == b'{'
    back = framework.load(tmp_path / 'm.safetensors')
    assert set(back) == set(sd)
    for k in sd:
        _check(back[k], sd[k].numpy())
    framework.save(sd, tmp_path / 'weights.bin', format='safetensors')
    back = framework.load(tmp_path / 'weights.bin', format='safetensors')
    _check(back['t'], sd['t'].numpy())
    with pytest.raises(RuntimeError, match='not a PyTorch file'):
        framework.load(tmp_path / 'weights.bin')           # without format=: read as PyTorch's zip


def test_only_flat_state_dicts(tmp_path):
    with pytest.raises(TypeError, match='flat dict of str -> Tensor'):
        framework.save({'a': [framework.ones(1)]}, tmp_path / 'x.safetensors')
    with pytest.raises(ValueError, match="format must be 'pt' or 'safetensors'"):
        framework.save({}, tmp_path / 'x', format='npz')


def test_model_round_trip(tmp_path):
    m = framework.nn.Sequential(framework.nn.Linear(3, 4), framework.nn.ReLU(), framework.nn.Linear(4, 1))
    framework.save(m.state_dict(), tmp_path / 'm.safetensors')
    m2 = framework.nn.Sequential(framework.nn.Linear(3, 4), framework.nn.ReLU(), framework.nn.Linear(4, 1))
    m2.load_state_dict(framework.load(tmp_path / 'm.safetensors'))
    x = framework.randn(5, 3)
    np.testing.assert_array_equal(m(x).detach().numpy(), m2(x).detach().numpy())


@pytest.mark.parametrize('keep', [0, 5, 20, 0.5, -1])
def test_damaged(tmp_path, keep):
    framework.save(_state(), tmp_path / 'm.safetensors')
    data = (tmp_path / 'm.safetensors').read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else (keep if keep >= 0 else len(data) + keep)
    (tmp_path / 'cut.safetensors').write_bytes(data[:cut])
    with pytest.raises(RuntimeError, match=r'cut\.safetensors: damaged safetensors file'):
        framework.load(tmp_path / 'cut.safetensors')


def test_missing_package_names_the_extra(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, 'safetensors', None)
    monkeypatch.setitem(sys.modules, 'safetensors.numpy', None)
    with pytest.raises(ModuleNotFoundError, match=r'pip install -e "\.\[safetensors\]"'):
        framework.save({'a': framework.ones(1)}, tmp_path / 'x.safetensors')


def test_torch_reads_ours_and_we_read_torchs(tmp_path):
    torch = pytest.importorskip('torch')
    st = pytest.importorskip('safetensors.torch')
    sd = _state()
    framework.save(sd, tmp_path / 'ours.safetensors')
    theirs = st.load_file(str(tmp_path / 'ours.safetensors'))
    for k in sd:
        _check(sd[k], theirs[k].numpy())
    t = {'h': torch.randn(3, 2).half(), 'b': torch.randn(4, 5).bfloat16(), 'i': torch.arange(5)}
    st.save_file(t, str(tmp_path / 'theirs.safetensors'))
    back = framework.load(tmp_path / 'theirs.safetensors')
    _check(back['h'], t['h'].numpy())
    _check(back['i'], t['i'].numpy())
    # bf16 comes back as float32 holding exactly the bf16 values
    assert back['b'].dtype is framework.float32
    np.testing.assert_array_equal(back['b'].numpy(), t['b'].float().numpy())
    m = torch.nn.Linear(3, 2)
    st.save_file(m.state_dict(), str(tmp_path / 'lin.safetensors'))
    fm = framework.nn.Linear(3, 2)
    fm.load_state_dict(framework.load(tmp_path / 'lin.safetensors'), strict=True)
    x = np.random.default_rng(3).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(fm(framework.from_numpy(x)).detach().numpy(),
                               m(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
