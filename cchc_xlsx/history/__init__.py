"""The office's memory across runs: the history store, resubmissions, deadlines and timeliness.

:mod:`~cchc_xlsx.history.store` (the SQLite store and its versions),
:mod:`~cchc_xlsx.history.resubmission` (which of a unit's files counts),
:mod:`~cchc_xlsx.history.deadlines` and :mod:`~cchc_xlsx.history.timeliness`
(on time, late, missing; reporting rates), :mod:`~cchc_xlsx.history.previous`
(a unit's figures of an earlier period, for a template's reference column).
"""
