"""echelon's results in Python: a reader (results), the HTML report (report) and
the planners' tables (export).  `python3 -m echelon report|export ...` runs the
commands behind `echelon report` and `echelon export`."""
