"""The indicator catalogue: the YAML file a province edits, validated into frozen rows and rules.

``model`` (the rows, rules and sheets), ``schema`` (the keys of the file and the
JSON Schema for editors), ``load`` (YAML in, every problem by line and code),
``crossrow`` (references, cycles and the rules rows imply), ``expressions`` (the
rules' language, compiled to Python and to Excel), ``yamlmarks`` (YAML with lines).
"""
