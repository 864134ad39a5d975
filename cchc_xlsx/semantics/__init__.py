"""What the rows mean, each defined once and compiled twice (Python and Excel).

``valuetypes`` (what an input cell accepts), ``numbers`` (numbers typed the
Vietnamese way, number formats), ``cells`` (a cell as read, a value as read),
``derived`` (ratio and sum rows, rule checks), ``aggregations`` (adding units up).
"""
