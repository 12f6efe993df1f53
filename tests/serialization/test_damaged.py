"""A damaged file gives one clear error naming the file and what is wrong, never a deep traceback."""
import zipfile

import pytest

import framework


@pytest.fixture
def good(tmp_path):
    path = tmp_path / 'model.pt'
    framework.save({'w': framework.arange(1000.), 'b': framework.ones(3)}, path)
    return path


@pytest.mark.parametrize('keep', [0, 1, 10, 100, 0.25, 0.5, 0.9, -30, -1])
def test_truncated(good, tmp_path, keep):
    data = good.read_bytes()
    cut = int(len(data) * keep) if isinstance(keep, float) else (keep if keep >= 0 else len(data) + keep)
    path = tmp_path / 'cut.pt'
    path.write_bytes(data[:cut])
    with pytest.raises(RuntimeError) as info:
        framework.load(path)
    msg = str(info.value)
    assert msg.startswith(str(path)) and ('damaged' in msg or 'not a PyTorch file' in msg)
    if cut == 0:
        assert 'empty file' in msg


def test_flipped_byte_in_storage(good, tmp_path):
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo('archive/data/0')
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 100] ^= 0xFF
    path = tmp_path / 'flip.pt'
    path.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match=r'flip\.pt: damaged file: the storage record archive/data/0 does not '
                                           r'match its checksum \(CRC-32\)'):
        framework.load(path)


def _rewrite(src, dst, change):
    with zipfile.ZipFile(src) as zf:
        items = {n: zf.read(n) for n in zf.namelist()}
    change(items)
    with zipfile.ZipFile(dst, 'w') as zf:
        for n, v in items.items():
            zf.writestr(n, v)
    return dst


def test_missing_storage_record(good, tmp_path):
    path = _rewrite(good, tmp_path / 'm.pt', lambda items: items.pop('archive/data/1'))
    with pytest.raises(RuntimeError, match='m.pt: damaged file: the storage record archive/data/1 is missing'):
        framework.load(path)


def test_short_storage_record(good, tmp_path):
    path = _rewrite(good, tmp_path / 's.pt', lambda items: items.update({'archive/data/0': b'\x00' * 8}))
    with pytest.raises(RuntimeError, match='s.pt: damaged file: the storage record archive/data/0 has 8 bytes, '
                                           'expected 4000'):
        framework.load(path)


def test_cut_pickle(good, tmp_path):
    path = _rewrite(good, tmp_path / 'p.pt', lambda items: items.update({'archive/data.pkl':
                                                                          items['archive/data.pkl'][:40]}))
    with pytest.raises(RuntimeError, match=r'p\.pt: damaged file: its data\.pkl could not be read'):
        framework.load(path)


def test_not_a_pytorch_zip(tmp_path):
    path = tmp_path / 'other.pt'
    with zipfile.ZipFile(path, 'w') as zf:
        zf.writestr('readme.txt', 'hi')
    with pytest.raises(RuntimeError, match='no <archive>/data.pkl'):
        framework.load(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pt'):
        framework.load(tmp_path / 'nope.pt')
