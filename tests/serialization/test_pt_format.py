"""framework.save / framework.load against PyTorch's own files, both directions (torch parts skip without torch)."""
import collections
import io
import zipfile

import numpy as np
import pytest

import framework
from framework.nn.parameter import Parameter

DTYPES = ['float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool']


def _values(name, shape=(3, 4)):
    rng = np.random.default_rng(0)
    if name == 'bool':
        return rng.random(shape) > 0.5
    if name.startswith('float'):
        return rng.standard_normal(shape).astype(name)
    info = np.iinfo(name)
    return rng.integers(max(info.min, -100), min(info.max, 100), shape).astype(name)


def _check(ours, theirs, rtol=1e-6, atol=0):
    """Values equal (tolerance for floats: they come through two libraries), same dtype name and shape."""
    a = ours.detach().numpy() if isinstance(ours, framework.Tensor) else ours
    b = theirs.detach().numpy() if not isinstance(theirs, np.ndarray) else theirs
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.dtype.kind == 'f':
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
    else:
        np.testing.assert_array_equal(a, b)


def test_archive_layout_is_pytorchs(tmp_path):
    path = tmp_path / 'x.pt'
    framework.save({'w': framework.ones(2, 3)}, path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names[0] == 'archive/data.pkl'
        assert {'archive/byteorder', 'archive/version', 'archive/data/0', 'archive/.data/serialization_id',
                'archive/.format_version', 'archive/.storage_alignment'} <= set(names)
        assert zf.read('archive/byteorder') == b'little'
        assert np.frombuffer(zf.read('archive/data/0'), np.float32).tolist() == [1.0] * 6
        info = zf.getinfo('archive/data/0')
        # the data of each storage record starts on a 64-byte boundary, as torch writes it (mmap-able)
        assert (info.header_offset + 30 + len(info.filename) + len(info.extra)) % 64 == 0
        pkl = zf.read('archive/data.pkl')
    assert pkl[:2] == b'\x80\x02'
    for name in (b'torch._utils\n_rebuild_tensor_v2\n', b'torch\nFloatStorage\n'):
        assert name in pkl


def test_round_trip_without_torch(tmp_path):
    x = framework.arange(24.).reshape(4, 6)
    obj = collections.OrderedDict(
        a=[x, x[1:, ::2], x.t()], size=framework.Size([2, 3]), dt=framework.int16, dev=framework.device('cpu'),
        nums=(1, 2.5, None, 'text', True, b'\x00\xff'), s={3, 4}, c=1 + 2j,
        **{d: framework.from_numpy(_values(d)) for d in DTYPES})
    framework.save(obj, tmp_path / 'x.pt')
    back = framework.load(tmp_path / 'x.pt')
    assert type(back) is collections.OrderedDict and list(back) == list(obj)
    for d in DTYPES:
        _check(back[d], obj[d].numpy())
    for got, want in zip(back['a'], obj['a']):
        _check(got, want.numpy())
    assert back['size'] == (2, 3) and type(back['size']) is framework.Size
    assert back['dt'] is framework.int16 and back['dev'] == framework.device('cpu')
    assert back['nums'] == (1, 2.5, None, 'text', True, b'\x00\xff') and back['s'] == {3, 4} and back['c'] == 1 + 2j
    # the three views come back sharing one array: writing through one shows in the others
    a0, a1, a2 = back['a']
    a0[2, 2] = 100.0
    assert a1[1, 1].item() == 100.0 and a2[2, 2].item() == 100.0


def test_file_objects_and_same_tensor_twice():
    buf = io.BytesIO()
    t = framework.tensor([1.0, 2.0])
    framework.save([t, t], buf)
    buf.seek(0)
    a, b = framework.load(buf)
    assert a is b and a.tolist() == [1.0, 2.0]


def test_parameters_and_requires_grad(tmp_path):
    p = Parameter(framework.tensor([1.0, 2.0]))
    q = framework.tensor([3.0], requires_grad=True)
    framework.save({'p': p, 'q': q, 'r': framework.tensor([1.0])}, tmp_path / 'p.pt')
    back = framework.load(tmp_path / 'p.pt')
    assert isinstance(back['p'], Parameter) and back['p'].requires_grad and back['p'].tolist() == [1.0, 2.0]
    assert back['q'].requires_grad and back['q'].is_leaf and not back['r'].requires_grad


def test_numpy_scalars_are_saved_as_python_numbers(tmp_path):
    framework.save({'lr': np.float64(0.5), 'n': np.int32(3), 'ok': np.bool_(True)}, tmp_path / 's.pt')
    back = framework.load(tmp_path / 's.pt')
    assert back == {'lr': 0.5, 'n': 3, 'ok': True} and type(back['lr']) is float and type(back['n']) is int


def test_unsupported_objects_are_refused_on_save(tmp_path):
    import pickle
    with pytest.raises(pickle.PicklingError, match='numpy.ndarray'):
        framework.save({'a': np.zeros(2)}, tmp_path / 'x.pt')
    assert not (tmp_path / 'x.pt').exists()


def test_save_replaces_atomically(tmp_path):
    path = tmp_path / 'x.pt'
    framework.save([framework.ones(2)], path)
    with pytest.raises(Exception):
        framework.save([framework.ones(2), object()], path)
    assert framework.load(path)[0].tolist() == [1.0, 1.0]       # the earlier file is whole
    assert [p.name for p in tmp_path.iterdir()] == ['x.pt']


# ------------------------------------------------------------------------------------------- with torch
@pytest.mark.parametrize('dtype', DTYPES)
def test_torch_reads_framework_file(tmp_path, dtype):
    torch = pytest.importorskip('torch')
    values = _values(dtype)
    framework.save({'t': framework.from_numpy(values), 'scalar': framework.from_numpy(np.array(values[0, 0]))},
                   tmp_path / 'x.pt')
    back = torch.load(tmp_path / 'x.pt', weights_only=True)
    assert back['t'].dtype == getattr(torch, dtype)
    _check(values, back['t'])
    _check(np.array(values[0, 0]), back['scalar'])


@pytest.mark.parametrize('dtype', DTYPES)
def test_framework_reads_torch_file(tmp_path, dtype):
    torch = pytest.importorskip('torch')
    values = _values(dtype)
    torch.save({'t': torch.from_numpy(values.copy()), 'size': torch.Size([4])}, tmp_path / 'x.pt')
    back = framework.load(tmp_path / 'x.pt')
    assert back['t'].dtype is getattr(framework, dtype if dtype != 'bool' else 'bool')
    _check(back['t'], values)
    assert back['size'] == (4,) and type(back['size']) is framework.Size


def test_views_share_one_storage_in_torch(tmp_path):
    torch = pytest.importorskip('torch')
    x = framework.arange(24.).reshape(4, 6)
    views = [x, x[1:, ::2], x.t(), x[2], x.reshape(2, 12), x[:, 1:2].expand(4, 3)]
    framework.save(views, tmp_path / 'v.pt')
    with zipfile.ZipFile(tmp_path / 'v.pt') as zf:
        assert [n for n in zf.namelist() if '/data/' in n] == ['archive/data/0']
    back = torch.load(tmp_path / 'v.pt', weights_only=True)
    for ours, theirs in zip(views, back):
        _check(ours, theirs)
        assert theirs.untyped_storage().data_ptr() == back[0].untyped_storage().data_ptr()
    assert back[1].stride() == (6, 2) and back[1].storage_offset() == 6
    assert back[2].stride() == (1, 6) and back[5].stride() == (6, 0)
    back[0][2, 4] = -1.0
    assert back[1][1, 2].item() == -1.0 and back[3][4].item() == -1.0


def test_torch_views_share_memory_in_framework(tmp_path):
    torch = pytest.importorskip('torch')
    x = torch.arange(24.).reshape(4, 6)
    views = [x, x[1:, ::2], x.t(), x[2], x[:, 1:2].expand(4, 3)]
    torch.save(views, tmp_path / 'v.pt')
    back = framework.load(tmp_path / 'v.pt')
    for ours, theirs in zip(back, views):
        _check(ours, theirs)
    assert all(np.shares_memory(b._data, back[0]._data) for b in back)
    assert not back[2].is_contiguous()
    back[0][2, 4] = -1.0
    assert back[1][1, 2].item() == -1.0 and back[3][4].item() == -1.0


def test_non_contiguous_copies_and_mmap(tmp_path):
    torch = pytest.importorskip('torch')
    x = framework.arange(12.).reshape(3, 4)
    odd = [x.flip(0), x.view(framework.int32), framework.zeros(0, 3)]   # negative strides; another dtype; empty
    framework.save(odd, tmp_path / 'o.pt')
    for back in (torch.load(tmp_path / 'o.pt', weights_only=True),
                 torch.load(tmp_path / 'o.pt', weights_only=True, mmap=True)):
        for ours, theirs in zip(odd, back):
            _check(ours, theirs)
    for ours, theirs in zip(odd, framework.load(tmp_path / 'o.pt')):
        _check(ours, theirs.numpy())


def test_nested_containers_both_ways(tmp_path):
    torch = pytest.importorskip('torch')
    ours = {'list': [framework.ones(2), 3, 2.5, 'a', None], 'tuple': (framework.zeros(1, dtype=framework.int64),),
            'od': collections.OrderedDict(b=framework.tensor(True)), 'size': framework.Size([1, 2]),
            'deep': {'x': [{'y': framework.full((2,), 7.0, dtype=framework.float64)}]}, 'dtype': framework.float16}
    framework.save(ours, tmp_path / 'n.pt')
    t = torch.load(tmp_path / 'n.pt', weights_only=True)
    assert t['list'][1:] == [3, 2.5, 'a', None] and isinstance(t['tuple'], tuple)
    assert isinstance(t['od'], collections.OrderedDict) and t['od']['b'].item() is True
    assert t['size'] == torch.Size([1, 2]) and isinstance(t['size'], torch.Size) and t['dtype'] is torch.float16
    _check(ours['deep']['x'][0]['y'], t['deep']['x'][0]['y'])
    torch.save(t, tmp_path / 'n2.pt')
    back = framework.load(tmp_path / 'n2.pt')
    assert back['list'][1:] == [3, 2.5, 'a', None] and isinstance(back['tuple'], tuple)
    assert type(back['od']) is collections.OrderedDict and back['od']['b'].item() is True
    assert type(back['size']) is framework.Size and back['dtype'] is framework.float16
    _check(back['deep']['x'][0]['y'], t['deep']['x'][0]['y'])


def _models(torch):
    fw = framework.nn.Sequential(framework.nn.Linear(3, 5), framework.nn.Tanh(), framework.nn.Linear(5, 2))
    th = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    return fw, th


def test_model_state_dict_both_ways(tmp_path):
    torch = pytest.importorskip('torch')
    fw, th = _models(torch)
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    framework.save(fw.state_dict(), tmp_path / 'fw.pt')
    th.load_state_dict(torch.load(tmp_path / 'fw.pt', weights_only=True), strict=True)
    _check(fw(framework.from_numpy(x)), th(torch.from_numpy(x)), rtol=1e-5, atol=1e-6)
    th2 = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    torch.save(th2.state_dict(), tmp_path / 'th.pt')
    sd = framework.load(tmp_path / 'th.pt')
    assert type(sd) is collections.OrderedDict and sd._metadata['']['version'] == 1
    fw.load_state_dict(sd, strict=True)
    _check(fw(framework.from_numpy(x)), th2(torch.from_numpy(x)), rtol=1e-5, atol=1e-6)


OPTIMIZERS = [('SGD', dict(lr=0.1, momentum=0.9, weight_decay=0.01)), ('Adam', dict(lr=0.01)),
              ('AdamW', dict(lr=0.01, weight_decay=0.1))]


def _step(model, opt, x, torch_like):
    opt.zero_grad()
    out = model(torch_like.from_numpy(x))
    (out * out).sum().backward()
    opt.step()


@pytest.mark.parametrize('name,kw', OPTIMIZERS)
def test_optimizer_framework_to_torch_and_back(tmp_path, name, kw):
    torch = pytest.importorskip('torch')
    fw, th = _models(torch)
    fo = getattr(framework.optim, name)(fw.parameters(), **kw)
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    for _ in range(2):
        _step(fw, fo, x, framework)
    framework.save({'model': fw.state_dict(), 'optimizer': fo.state_dict()}, tmp_path / 'ck.pt')
    ck = torch.load(tmp_path / 'ck.pt', weights_only=True)
    th.load_state_dict(ck['model'])
    to = getattr(torch.optim, name)(th.parameters(), **kw)
    to.load_state_dict(ck['optimizer'])
    # one more step on each side, from the same state: the same parameters
    _step(fw, fo, x, framework)
    _step(th, to, x, torch)
    for (k, a), (_, b) in zip(fw.state_dict().items(), th.state_dict().items()):
        _check(a, b, rtol=1e-5, atol=1e-6)      # computed by two libraries
    # and back: torch's optimizer state into a fresh framework optimizer
    torch.save({'model': th.state_dict(), 'optimizer': to.state_dict()}, tmp_path / 'ck2.pt')
    ck2 = framework.load(tmp_path / 'ck2.pt')
    fw2 = _models(torch)[0]
    fw2.load_state_dict(ck2['model'])
    fo2 = getattr(framework.optim, name)(fw2.parameters(), **kw)
    fo2.load_state_dict(ck2['optimizer'])
    _step(fw2, fo2, x, framework)
    _step(th, to, x, torch)
    for (k, a), (_, b) in zip(fw2.state_dict().items(), th.state_dict().items()):
        _check(a, b, rtol=1e-5, atol=1e-6)
    assert fo2.state_dict()['param_groups'][0]['params'] == [0, 1, 2, 3]


def test_parameter_from_torch(tmp_path):
    torch = pytest.importorskip('torch')
    torch.save({'p': torch.nn.Parameter(torch.ones(2)), 'q': torch.ones(1, requires_grad=True)}, tmp_path / 'p.pt')
    back = framework.load(tmp_path / 'p.pt')
    assert isinstance(back['p'], Parameter) and back['p'].requires_grad and back['q'].requires_grad


def test_map_location(tmp_path):
    torch = pytest.importorskip('torch')
    torch.save([torch.ones(2)], tmp_path / 'm.pt')
    for where in ('cpu', framework.device('cpu'), {'cpu': 'cpu'}, None):
        assert framework.load(tmp_path / 'm.pt', map_location=where)[0].device == framework.device('cpu')
    with pytest.raises(TypeError, match='map_location'):
        framework.load(tmp_path / 'm.pt', map_location=3.5)


def test_cuda_location_without_cuda_says_map_location(tmp_path):
    from framework import _device
    if _device.cupy_module() is not None:
        pytest.skip('a GPU is present')
    path = tmp_path / 'c.pt'
    framework.save([framework.ones(2)], path)
    with zipfile.ZipFile(path) as zf:
        items = {n: zf.read(n) for n in zf.namelist()}
    items['archive/data.pkl'] = items['archive/data.pkl'].replace(b'X\x03\x00\x00\x00cpu', b'X\x06\x00\x00\x00cuda:0')
    with zipfile.ZipFile(path, 'w') as zf:
        for n, v in items.items():
            zf.writestr(n, v)
    with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
        framework.load(path)
    assert framework.load(path, map_location='cpu')[0].tolist() == [1.0, 1.0]


def test_foreign_dtype_is_named(tmp_path):
    torch = pytest.importorskip('torch')
    torch.save({'w': torch.ones(2, dtype=torch.bfloat16)}, tmp_path / 'b.pt')
    import pickle
    with pytest.raises(pickle.UnpicklingError, match='bfloat16'):
        framework.load(tmp_path / 'b.pt')


def test_mmap(tmp_path):
    x = framework.arange(24.).reshape(4, 6)
    framework.save({'x': x, 'v': x[1:, ::2], 'i': framework.arange(5)}, tmp_path / 'm.pt')
    back = framework.load(tmp_path / 'm.pt', mmap=True)
    np.testing.assert_array_equal(back['v'].numpy(), x[1:, ::2].numpy())
    assert back['i'].tolist() == [0, 1, 2, 3, 4]
    assert isinstance(back['x']._data.base.base, np.memmap)
    back['x'][1, 0] = -5.0                       # copy-on-write: the view sees it, the file does not
    assert back['v'][0, 0].item() == -5.0
    assert framework.load(tmp_path / 'm.pt')['x'][1, 0].item() == 6.0
    framework.save(back, tmp_path / 'again.pt')  # mapped tensors save like any others
    again = framework.load(tmp_path / 'again.pt')
    assert again['v'][0, 0].item() == -5.0 and np.shares_memory(again['x']._data, again['v']._data)
    import io
    with pytest.raises(ValueError, match='f must be a file path in order to use the mmap argument'):
        framework.load(io.BytesIO((tmp_path / 'm.pt').read_bytes()), mmap=True)


def test_mmap_of_a_torch_file(tmp_path):
    torch = pytest.importorskip('torch')
    x = torch.arange(24.).reshape(4, 6)
    torch.save([x, x.t()], tmp_path / 't.pt')
    a, b = framework.load(tmp_path / 't.pt', mmap=True)
    np.testing.assert_array_equal(b.numpy(), x.t().numpy())
    assert np.shares_memory(a._data, b._data)


def test_a_recompressed_archive_still_loads(tmp_path):
    x = framework.arange(24.).reshape(4, 6)
    framework.save([x, x.t()], tmp_path / 'a.pt')
    with zipfile.ZipFile(tmp_path / 'a.pt') as zf:
        items = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(tmp_path / 'z.pt', 'w', zipfile.ZIP_DEFLATED) as zf:     # e.g. re-zipped by a tool
        for n, v in items.items():
            zf.writestr(n, v)
    for mmap in (False, True):
        a, b = framework.load(tmp_path / 'z.pt', mmap=mmap)
        np.testing.assert_array_equal(b.numpy(), x.t().numpy())
        assert np.shares_memory(a._data, b._data)


def test_dtype_and_device_objects_both_ways(tmp_path):
    torch = pytest.importorskip('torch')
    framework.save([getattr(framework, d) for d in DTYPES] + [framework.device('cpu'), framework.device('cuda', 1)],
                   tmp_path / 'd.pt')
    back = torch.load(tmp_path / 'd.pt', weights_only=True)
    assert back == [getattr(torch, d) for d in DTYPES] + [torch.device('cpu'), torch.device('cuda', 1)]
    torch.save(back, tmp_path / 't.pt')
    ours = framework.load(tmp_path / 't.pt')
    assert ours[:9] == [getattr(framework, d) for d in DTYPES]
    assert str(ours[9]) == 'cpu' and str(ours[10]) == 'cuda:1'
