"""``python -m metrics report …`` (see metrics.report)."""

import sys

from metrics.report import main

sys.exit(main())
