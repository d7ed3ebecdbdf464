"""``python -m webstd``: the same as the ``webstd`` command."""

from webstd.cli import main

raise SystemExit(main())
