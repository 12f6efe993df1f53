#!/usr/bin/env python
"""Train what a YAML config describes: `python train.py --config configs/NAME.yaml [dotted.key=value ...]`.

`python train.py --help` lists the options, the overrides and every config key; README.md has the
reference. The work is done by framework.training.
"""
import sys

from framework.training import main

if __name__ == '__main__':
    sys.exit(main())
