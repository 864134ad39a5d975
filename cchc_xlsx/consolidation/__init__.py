"""Adding the units' returns up (pure: no workbook library).

``model`` (a column per unit, the totals), ``build`` (columns settled, values
added, errors marked), ``flags`` (the values involved in errors).
"""
