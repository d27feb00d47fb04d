"""`python -m romlab …`: the command line (`romlab.run.cli`)."""

from romlab.run.cli import main

raise SystemExit(main())
