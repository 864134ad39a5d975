"""Where everything is: the only place that decides cell addresses, for the
form (``form``), the consolidated workbook (``summary``), the identity sheet
(``meta``); ``a1`` turns ``(row, col)`` into ``D12`` and back.
"""
