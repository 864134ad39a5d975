"""Reading untrusted workbooks, fast and defensively.

``package`` (the zip and its parts, within limits), ``parts`` (workbook,
relationships, shared strings, styles), ``sheet`` (cells: a fast path proven
against expat), ``xml`` (expat without DTDs), ``workbook`` (identify, verify and
read a returned form), ``values`` (its values), ``recovered`` (a form that lost
its identity sheet), ``consolidated`` (a consolidated book read back),
``record`` (what is known of one file), ``model`` (limits, errors, sheet data).
"""
