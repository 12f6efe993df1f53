"""framework.models: model definitions reachable from configs (`model.class: framework.models:CharLM`)."""
from .char_lm import CharLM

__all__ = ['CharLM']
