"""``python -m walkout``: the same as the ``walkout`` command."""

from walkout.cli import main

raise SystemExit(main())
