"""`python -m bot` runs the same command line as `cohortbot`."""

from bot.cli import main

raise SystemExit(main())
