"""``python -m kgprep.ablation WORK_DIR [--device cuda] [--size gpu]``."""

import sys

from kgprep.ablation.run import main

sys.exit(main())
