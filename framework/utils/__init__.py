"""framework.utils: data loading (framework.utils.data)."""
from . import data
