"""``python -m gateway``: the same command line as ``umanize-gateway``."""

from gateway.cli import main

raise SystemExit(main())
