"""A caller can understand every fixed prompt through a phone line.

Each prompt is rendered by the configured voice, carried as 8 kHz mu-law, and
transcribed by the speech model with no hint of what was said.
"""

from __future__ import annotations

import pytest

from cities import EXAMPLE_CITY_DIR
from dialog.machine import Dialog
from nlu.city import load_city
from telephony.runtime import Runtime
from voice.mulaw import PHONE_RATE_HZ, decode_mulaw, resample, to_float
from voice.stt import WHISPER_RATE_HZ
from voice.wer import word_error_rate

MAX_WORD_ERROR_RATE = 0.10
FIXED_PROMPTS = Dialog(load_city(EXAMPLE_CITY_DIR)).prompts.all_fixed()


@pytest.mark.parametrize("key", sorted(FIXED_PROMPTS))
def test_fixed_prompt_is_intelligible_on_the_phone(
    loaded_runtime: Runtime, key: str
) -> None:
    runtime = loaded_runtime
    text = FIXED_PROMPTS[key]
    phone_audio = runtime.renderer.render_cached(text)
    audio_16k = resample(
        to_float(decode_mulaw(phone_audio)), PHONE_RATE_HZ, WHISPER_RATE_HZ
    )
    heard = runtime.stt.transcribe(audio_16k).text
    error_rate = word_error_rate(text, heard)
    assert error_rate <= MAX_WORD_ERROR_RATE, f"{key}: said {text!r}, heard {heard!r}"
