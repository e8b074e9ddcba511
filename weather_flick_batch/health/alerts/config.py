"""The alert settings (channels, routes, limits) as the settings registry lists them."""

from __future__ import annotations

__all__ = ["ALERT_SETTINGS"]

#: ``(environment variable, default, description, secret)`` of the alert settings, for the settings
#: registry and ``.env.example``. Channels stay off until configured; secrets go through EnvVar.
ALERT_SETTINGS: list[tuple[str, str | None, str, bool]] = [
    ("WEATHER_FLICK_ALERT_ROUTES", "log=info,slack=warning,email=error,sms=critical",
     "Minimum alert severity per channel (info, warning, error, critical); unconfigured channels are off.", False),
    ("WEATHER_FLICK_ALERT_COOLDOWN_S", "300",
     "Seconds between two alerts with the same key on one channel (shared across processes in Redis).", False),
    ("WEATHER_FLICK_ALERT_MAX_PER_HOUR", "20",
     "Most alerts one channel sends in any sliding hour (recovery notices included).", False),
    ("WEATHER_FLICK_ALERT_SLACK_TOKEN", None, "Slack bot token (xoxb-...); empty: Slack off.", True),
    ("WEATHER_FLICK_ALERT_SLACK_CHANNEL", None, "Slack channel for alerts, e.g. #weatherflick-alerts.", False),
    ("WEATHER_FLICK_ALERT_SLACK_BASE_URL", "https://slack.com/api/",
     "Slack Web API base URL (Slack-compatible servers, tests).", False),
    ("WEATHER_FLICK_ALERT_SMTP_HOST", None, "SMTP server for alert e-mail; empty: e-mail off.", False),
    ("WEATHER_FLICK_ALERT_SMTP_PORT", "587", "SMTP port (587 with starttls, 465 with ssl).", False),
    ("WEATHER_FLICK_ALERT_SMTP_SECURITY", "starttls", "'starttls', 'ssl' or 'none' (no login without TLS).", False),
    ("WEATHER_FLICK_ALERT_SMTP_USERNAME", None, "SMTP login user; empty: no login.", False),
    ("WEATHER_FLICK_ALERT_SMTP_PASSWORD", None, "SMTP login password.", True),
    ("WEATHER_FLICK_ALERT_EMAIL_FROM", None, "Sender address of alert e-mail.", False),
    ("WEATHER_FLICK_ALERT_EMAIL_TO", None, "Comma-separated recipients of alert e-mail.", False),
    ("WEATHER_FLICK_ALERT_SMS_NUMBERS", None,
     "Comma-separated E.164 phone numbers (+8210...) for SMS through AWS SNS; empty (and no topic): SMS off.",
     False),
    ("WEATHER_FLICK_ALERT_SNS_TOPIC_ARN", None, "SNS topic to publish SMS alerts to instead of/besides numbers.",
     False),
    ("WEATHER_FLICK_ALERT_SNS_REGION", "ap-northeast-2", "AWS region for SNS (credentials: standard AWS variables).",
     False),
    ("WEATHER_FLICK_ALERT_SNS_ENDPOINT_URL", None, "SNS endpoint override (moto, tests). Empty: AWS.", False),
]
