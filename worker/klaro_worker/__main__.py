"""``python -m klaro_worker …`` (the host supervisor starts slots this way)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
