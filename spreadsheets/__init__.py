"""Every spreadsheet the product takes, in one place.

`gate.check_workbook` is the safety gate every uploaded workbook passes before any cell is
read (ledgers, task table, standards, the admin's imports). The one reader of issue #12
belongs here too, behind the same gate.
"""
