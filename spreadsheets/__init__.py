"""Every spreadsheet the product takes, in one place.

`gate.check_workbook` is the safety gate every uploaded workbook passes before any cell is
read (ledgers, task table, standards, the admin's imports). `reader.Book` is the one reader
behind it, on public openpyxl APIs only; `headers` finds and reads a sheet's header (merged
multi-row headers, known spellings, closeness) and `units` converts units written in a
header or a cell at full precision.
"""
