"""framework.save/load of CUDA tensors: storages written from the device, map_location onto and off it."""
import numpy as np

import framework


def test_save_cuda_load_to_cpu_and_back(cuda, tmp_path):
    x = framework.arange(12.).reshape(3, 4).to('cuda')
    framework.save({'x': x, 'v': x[1:, ::2], 't': x.t()}, tmp_path / 'c.pt')
    back = framework.load(tmp_path / 'c.pt', map_location='cpu')
    assert back['x'].device.type == 'cpu'
    np.testing.assert_array_equal(back['v'].numpy(), np.arange(12.).reshape(3, 4)[1:, ::2])
    np.testing.assert_array_equal(back['t'].numpy(), np.arange(12.).reshape(3, 4).T)
    on_gpu = framework.load(tmp_path / 'c.pt')          # saved at cuda:0, restored there
    assert on_gpu['v'].device.type == 'cuda'
    np.testing.assert_array_equal(on_gpu['v'].cpu().numpy(), np.arange(12.).reshape(3, 4)[1:, ::2])
    on_gpu['x'][2, 2] = -1.0                              # views still share memory on the device
    assert on_gpu['v'][1, 1].item() == -1.0


def test_map_location_cuda(cuda, tmp_path):
    framework.save([framework.ones(2, 3), framework.arange(6).reshape(2, 3).t()], tmp_path / 'm.pt')
    for where in ('cuda', framework.device('cuda', 0), {'cpu': 'cuda:0'}):
        a, b = framework.load(tmp_path / 'm.pt', map_location=where)
        assert a.device.type == 'cuda' and b.device.type == 'cuda'
        np.testing.assert_array_equal(b.cpu().numpy(), np.arange(6).reshape(2, 3).T)
