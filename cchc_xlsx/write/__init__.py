"""Writing workbooks with XlsxWriter (the only package that imports it).

``template`` and ``generate`` (the forms), ``consolidated``, ``summary`` and
``tables`` (the consolidated workbook), ``own_form``, ``style`` and ``captions``
(the house style and wording), ``xlsxwriter_private`` (every private XlsxWriter
name, version-checked), ``zipstamp`` (copying a rendered workbook fast),
``atomic`` (outputs written all or none).
"""
