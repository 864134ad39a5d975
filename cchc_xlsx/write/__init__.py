"""Writing workbooks with XlsxWriter (the only package that imports it).

``template`` and ``generate`` (the forms), ``consolidated``, ``summary`` and
``tables`` (the consolidated workbook), ``own_form``, ``style`` and ``captions``
(the house style and wording), ``protection`` (passwords and the structure
lock), ``xlsxwriter_private`` (every private XlsxWriter name, version-checked),
``zipstamp`` (copying a rendered workbook fast). Outputs are written all or
none through :mod:`cchc_xlsx.atomic`.
"""
