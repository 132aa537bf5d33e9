from __future__ import annotations

import pytest

from workorders.privacy import mask_phone


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+16175551234", "***1234"),
        ("(617) 555-9876", "***9876"),
        ("123", "***"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_phone_numbers_keep_only_the_last_four_digits(
    number: str | None, masked: str
) -> None:
    assert mask_phone(number) == masked
