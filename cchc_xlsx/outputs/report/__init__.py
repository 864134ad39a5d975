"""The narrative report draft (Báo cáo công tác cải cách hành chính): its text
written from a consolidated workbook's figures (:mod:`.draft`), its charts as
pictures (:mod:`.pictures`), and the draft as Word (:mod:`.word`, from an
editable template) or Markdown (:mod:`.markdown`)."""
