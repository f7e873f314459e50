"""Models that raise deadline alerts register here (from their AppConfig.ready).

An alertable model provides:
- fields `alert_level` (CharField, null: not evaluated yet) and `next_alert_at`
  (DateField, null: nothing pending) that only the alert services write;
- `alert_candidates(today)` (classmethod): a plain queryset (no joins needed) of the objects
  the unit holds with `next_alert_at <= today` or `alert_level` null — "due by now and not
  yet alerted", never an exact date, so a missed run catches up;
- the names of its columns, so the detect job can work on all candidates in SQL:
  `alert_deadline_field` (the deadline date), `alert_campaign_field` and `alert_unit_field`
  (foreign keys to the campaign and the responsible unit);
- `alert_deadline()` → date, or None once closed/done; `alert_campaign()`, `alert_unit()`,
  `alert_people()` → (responsible person or None, [extra Persons to tell on escalation]);
  `alert_title()` and `get_absolute_url()`, which must not query (the detect job calls them
  for every candidate of a batch).
"""
ALERTABLE_MODELS = []


def register(model):
    if model not in ALERTABLE_MODELS:
        ALERTABLE_MODELS.append(model)
    return model
