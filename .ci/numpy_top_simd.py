"""Print the names of the highest SIMD groups NumPy dispatches to on this CPU (the AVX-512 ones where
present, else the AVX2 ones), for NPY_DISABLE_CPU_FEATURES: CI reruns the numerically sensitive tests
with those kernels switched off, so that a test which only passes on one CPU's kernels fails here too.
Names this NumPy does not know are ignored by it, so the list is safe on any CPU."""
from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

found = [k for k in __cpu_dispatch__ if __cpu_features__.get(k)]
top = [k for k in found if k.startswith('AVX512') or k == 'X86_V4'] or \
      [k for k in found if k in ('X86_V3', 'AVX2', 'FMA3', 'AVX512F')]
print(' '.join(top))
