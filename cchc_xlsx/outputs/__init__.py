"""Outputs other than workbooks: the JSON report, the tidy CSV, the console summary."""
