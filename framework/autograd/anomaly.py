"""detect_anomaly: record each op's forward stack, and fail on the first NaN gradient naming it."""
from .function import _anomaly_state


class detect_anomaly:
    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _anomaly_state[0]
        _anomaly_state[0] = self.check_nan

    def __exit__(self, *exc):
        _anomaly_state[0] = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)
        return wrapper


class set_detect_anomaly(detect_anomaly):
    def __init__(self, mode, check_nan=True):
        self._prev = _anomaly_state[0]
        _anomaly_state[0] = bool(mode) and check_nan
        self.check_nan = bool(mode) and check_nan

    def __enter__(self):
        pass


def is_anomaly_enabled():
    return _anomaly_state[0]
