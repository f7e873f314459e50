# English dates as the briefing and the pages write them: 7 June 2026 (the Chinese ones
# keep Django's 2026年6月7日). Other formats fall back to Django's English locale.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
MONTH_DAY_FORMAT = "j F"
