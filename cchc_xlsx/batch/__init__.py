"""A batch of returned files: found (``discover``), read in isolated worker
processes (``workers``), kept on disk (``store``, ``columns``), compared with
what was expected (``assess``), values far from the others flagged
(``outliers``); ``result`` holds what was expected and what was found.
"""
