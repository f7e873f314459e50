"""Models that raise deadline alerts register here (from their AppConfig.ready).

An alertable model provides:
- fields `alert_level` (CharField, null: not evaluated yet) and `next_alert_at`
  (DateField, null: nothing pending) that only the alert services write;
- `alert_candidates(today)` (classmethod): open objects with `next_alert_at <= today` or
  `alert_level` null — "due by now and not yet alerted", never an exact date, so a missed
  run catches up;
- `alert_deadline()` → date, or None once closed/done; `alert_campaign()`, `alert_unit()`,
  `alert_people()` → (responsible person or None, [extra Persons to tell on escalation]),
  `alert_title()`, `get_absolute_url()`.
"""
ALERTABLE_MODELS = []


def register(model):
    if model not in ALERTABLE_MODELS:
        ALERTABLE_MODELS.append(model)
    return model
