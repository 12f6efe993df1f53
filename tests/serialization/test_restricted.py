"""framework.load never runs code from a file: hand-made malicious archives, refused before anything runs."""
import io
import os
import pickle
import zipfile

import pytest

import framework


def _archive(path, pkl):
    """A PyTorch-format zip whose data.pkl is the given bytes."""
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('archive/data.pkl', pkl)
        zf.writestr('archive/byteorder', b'little')
        zf.writestr('archive/version', b'3\n')
    return path


class _Reduce:
    """Pickles as a call of func(*args): what an attacker writes."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _payloads(marker):
    import builtins
    import subprocess
    cmd = f'touch {marker}'
    code = f"open({str(marker)!r}, 'w').write('ran')"
    return {
        'os.system': _Reduce(os.system, cmd),
        'builtins.eval': _Reduce(builtins.eval, code),
        'builtins.exec': _Reduce(builtins.exec, code),
        'subprocess.Popen': _Reduce(subprocess.Popen, ['touch', str(marker)]),
    }


@pytest.mark.parametrize('name', ['os.system', 'builtins.eval', 'builtins.exec', 'subprocess.Popen'])
@pytest.mark.parametrize('protocol', [0, 2, 4])
def test_malicious_global_is_refused_and_nothing_runs(tmp_path, name, protocol):
    marker = tmp_path / 'PWNED'
    payload = _payloads(marker)[name]
    # hidden inside an innocent-looking state dict
    pkl = pickle.dumps({'weight': 1.0, 'evil': payload}, protocol=protocol)
    path = _archive(tmp_path / 'evil.pt', pkl)
    with pytest.raises(pickle.UnpicklingError) as info:
        framework.load(path)
    msg = str(info.value)
    module, _, func = name.partition('.')
    # os.system pickles as posix.system on Linux: the message names the global the file really asks for
    assert func in msg and 'unsupported global' in msg and str(path) in msg
    assert not marker.exists()


def test_hand_written_protocol0_pickle(tmp_path):
    marker = tmp_path / 'PWNED'
    pkl = f"cos\nsystem\n(S'touch {marker}'\ntR.".encode()
    with pytest.raises(pickle.UnpicklingError, match=r'unsupported global os\.system'):
        framework.load(_archive(tmp_path / 'evil.pt', pkl))
    assert not marker.exists()


def test_unknown_class_is_refused(tmp_path):
    pkl = b'\x80\x02cmypackage.models\nNet\nq\x00)\x81q\x01.'
    with pytest.raises(pickle.UnpicklingError, match=r'unsupported global mypackage\.models\.Net'):
        framework.load(_archive(tmp_path / 'cls.pt', pkl))


def test_build_on_anything_but_an_ordered_dict_is_refused(tmp_path):
    # a Size (an allowed global) given attributes through BUILD
    pkl = b'\x80\x02ctorch\nSize\n)\x85R}X\x01\x00\x00\x00a\x4b\x01sb.'
    with pytest.raises(pickle.UnpicklingError, match='BUILD on a Size'):
        framework.load(_archive(tmp_path / 'b.pt', pkl))


def test_allowed_names_cannot_be_called_beyond_their_purpose(tmp_path):
    # _codecs.encode only rebuilds bytes from text
    pkl = b'\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x06\x00\x00\x00rot_13\x86R.'
    with pytest.raises(pickle.UnpicklingError, match='_codecs.encode'):
        framework.load(_archive(tmp_path / 'c.pt', pkl))


def test_weights_only_false_is_refused(tmp_path):
    path = tmp_path / 'x.pt'
    framework.save([framework.ones(1)], path)
    with pytest.raises(pickle.UnpicklingError, match=r'weights_only=False\) is not supported'):
        framework.load(path, weights_only=False)
    assert framework.load(path, weights_only=True)[0].tolist() == [1.0]


def test_legacy_raw_pickle_is_not_unpickled(tmp_path):
    marker = tmp_path / 'PWNED'
    path = tmp_path / 'legacy.pt'
    path.write_bytes(pickle.dumps(_payloads(marker)['os.system'], protocol=2))
    with pytest.raises(RuntimeError, match='legacy'):
        framework.load(path)
    assert not marker.exists()


def test_torch_refuses_the_same_files(tmp_path):
    torch = pytest.importorskip('torch')
    marker = tmp_path / 'PWNED'
    path = _archive(tmp_path / 'evil.pt', pickle.dumps(_payloads(marker)['os.system'], protocol=2))
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not marker.exists()


def test_file_object(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as zf:
        zf.writestr('archive/data.pkl', b'cos\nsystem\n(S"true"\ntR.')
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match='os.system'):
        framework.load(buf)
