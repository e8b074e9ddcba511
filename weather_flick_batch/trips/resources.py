"""The senders of trip notices, from settings (secrets through dagster.EnvVar)."""

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Optional

import dagster as dg

from weather_flick_batch import settings
from weather_flick_batch.resources import secret_env
from weather_flick_batch.core.smtp import SECURITY as SMTP_SECURITY

if TYPE_CHECKING:  # the senders import the warehouse (pandas): not at code-location load
    from weather_flick_batch.trips.delivery import Sender


class TripDeliveryResource(dg.ConfigurableResource):
    """E-mail (SMTP) and push (FCM HTTP v1) to travellers; a channel without settings is off and its
    rows wait in notifications (counted in the delivery run's metadata)."""

    smtp_host: Optional[str] = None
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: Optional[str] = None
    smtp_password: Optional[str] = None
    email_from: str = "WeatherFlick <no-reply@weatherflick.kr>"
    fcm_project_id: Optional[str] = None
    fcm_credentials_file: Optional[str] = None
    fcm_base_url: str = "https://fcm.googleapis.com"
    retry_base_s: float = 60.0
    timeout_s: float = 10.0

    def senders(self) -> "dict[str, Sender]":
        from weather_flick_batch.trips.delivery import FcmSender, SmtpSender

        if self.smtp_security not in SMTP_SECURITY:
            raise dg.Failure(f"WEATHER_FLICK_TRIP_SMTP_SECURITY={self.smtp_security!r}: use one of "
                             f"{', '.join(SMTP_SECURITY)}", allow_retries=False)
        if self.smtp_username and self.smtp_security == "none":
            raise dg.Failure("WEATHER_FLICK_TRIP_SMTP_USERNAME is set with WEATHER_FLICK_TRIP_SMTP_SECURITY=none: "
                             "a password is never sent without TLS", allow_retries=False)
        out: dict[str, "Sender"] = {}
        if self.smtp_host:
            out["EMAIL"] = SmtpSender(self.smtp_host, self.smtp_port, self.email_from, self.smtp_security,
                                      self.smtp_username, self.smtp_password, self.timeout_s)
        if self.fcm_project_id and self.fcm_credentials_file:
            out["PUSH"] = FcmSender(self.fcm_project_id, self.fcm_credentials_file, self.fcm_base_url, self.timeout_s)
        return out


def build_trip_delivery_resource(environ: Mapping[str, str] | None = None) -> TripDeliveryResource:
    """The resource as the settings say (embedded defaults unless the environment says otherwise)."""
    env = os.environ if environ is None else environ
    return TripDeliveryResource(
        smtp_host=settings.get("WEATHER_FLICK_TRIP_SMTP_HOST", env),
        smtp_port=settings.get("WEATHER_FLICK_TRIP_SMTP_PORT", env),
        smtp_security=settings.get("WEATHER_FLICK_TRIP_SMTP_SECURITY", env),
        smtp_username=settings.get("WEATHER_FLICK_TRIP_SMTP_USERNAME", env),
        smtp_password=secret_env("WEATHER_FLICK_TRIP_SMTP_PASSWORD", env),
        email_from=settings.get("WEATHER_FLICK_TRIP_EMAIL_FROM", env),
        fcm_project_id=settings.get("WEATHER_FLICK_FCM_PROJECT_ID", env),
        fcm_credentials_file=settings.get("WEATHER_FLICK_FCM_CREDENTIALS_FILE", env),
        fcm_base_url=settings.get("WEATHER_FLICK_FCM_BASE_URL", env),
        retry_base_s=settings.get("WEATHER_FLICK_TRIP_RETRY_BASE_S", env),
        timeout_s=settings.get("WEATHER_FLICK_HTTP_TIMEOUT_S", env),
    )
