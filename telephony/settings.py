"""All configuration in one place, read from the environment (CITYLINE_*)."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from cities import EXAMPLE_CITY_DIR

_DATA_DIR = Path("var")


class Settings(BaseSettings):
    """Defaults run embedded: SQLite file, bundled model, local voice, example city."""

    model_config = SettingsConfigDict(
        env_prefix="CITYLINE_", env_file=".env", extra="ignore"
    )

    database_url: str = Field(
        default=f"sqlite:///{_DATA_DIR / 'cityline.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "CITYLINE_DATABASE_URL"),
    )
    twilio_auth_token: str = Field(
        default="",
        validation_alias=AliasChoices(
            "TWILIO_AUTH_TOKEN", "CITYLINE_TWILIO_AUTH_TOKEN"
        ),
    )
    # Local development only: accept webhooks and streams without a valid
    # X-Twilio-Signature. Never set this on a server Twilio can reach.
    insecure_skip_signature_check: bool = False
    # The https URL Twilio reaches this server at; signatures are computed over
    # it, so behind a tunnel or proxy it must be the public one.
    public_url: str = "http://127.0.0.1:8080"
    # Bearer token for the /api endpoints; empty turns the API off.
    api_token: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    city_dir: Path = EXAMPLE_CITY_DIR
    # Overrides the city's operator number when set.
    operator_number: str | None = None
    # "tiny.en", "base" (both ship as PyPI wheels) or a CTranslate2 model folder.
    stt_model: str = "base"
    stt_threads: int = 2
    # 5 over greedy 1: see voice.stt.DEFAULT_BEAM_SIZE for what it was measured to buy.
    stt_beam_size: int = 5
    # Whisper's language code for what callers speak ("en", "es"); forcing it
    # keeps a noisy line from being heard as another language. tiny.en is
    # English only.
    stt_language: str = "en"
    tts_engine: str = "piper"  # "piper" or "espeak"
    data_dir: Path = _DATA_DIR
    recordings_dir: Path = _DATA_DIR / "recordings"
    # Silence that ends a caller's utterance; the largest part of the wait.
    end_of_utterance_seconds: float = 0.6
    # Silence after which recognition starts speculatively, hiding most of its
    # time inside the rest of the end-of-utterance silence.
    speculate_after_seconds: float = 0.2
    no_input_seconds: float = 5.0
    # A report joins an open work order for the same problem and place that is
    # at most this old, instead of opening a new one.
    duplicate_window_days: float = 14.0
    console_session_hours: float = 12.0  # a console sign-in lasts a shift
    # Texts to callers who ask for them: Twilio's REST API from this number.
    twilio_account_sid: str = Field(
        default="",
        validation_alias=AliasChoices(
            "TWILIO_ACCOUNT_SID", "CITYLINE_TWILIO_ACCOUNT_SID"
        ),
    )
    sms_from: str = ""  # e.g. +16175550100; empty: texts are never offered
    # Where Twilio's REST API is (tests point it at a local fake).
    twilio_api_base_url: str = "https://api.twilio.com"
    # Keys that may POST Open311 requests, comma separated; none: posting is off.
    open311_api_keys: str = ""
    # Call audio older than this is deleted (transcripts and work orders stay);
    # None keeps it forever.
    audio_retention_days: float | None = None
    # Concurrent recognitions; whisper already uses stt_threads cores each.
    stt_workers: int = 1

    def with_local_secrets(self) -> Settings:
        """A copy with random tokens where none are set, for in-process calls.

        The local caller signs with the same token the server checks, so the
        signature path is exercised, not switched off.
        """
        return self.model_copy(
            update={
                "twilio_auth_token": self.twilio_auth_token or secrets.token_hex(16),
                "api_token": self.api_token or secrets.token_hex(16),
            }
        )

    @property
    def texts_enabled(self) -> bool:
        """Texts can be sent: an account, its token and a sender number."""
        return bool(
            self.twilio_account_sid and self.twilio_auth_token and self.sms_from
        )

    @property
    def model_cache_dir(self) -> Path:
        return self.data_dir / "models"
