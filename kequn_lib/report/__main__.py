"""``python -m kequn_lib.report``: build the report (see :func:`kequn_lib.report.main`)."""

from . import main

raise SystemExit(main())
