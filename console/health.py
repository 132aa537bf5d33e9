"""The line's health over recent days: volume, containment, speed, and its charts."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from html import escape

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workorders.models import Call, CallOutcome, CallTurn, Speaker, WorkOrder, utcnow

# The dialog's "sorry" prompt. The console may not import dialog (see
# tests/test_architecture.py), so the wording is repeated here; keep them equal.
TOP_N = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class LineHealth:
    """What the line did in the last `days` whole UTC days; None where no data."""

    days: int
    start: datetime  # first day's midnight, UTC
    end: datetime  # midnight after the last day (now's day), UTC; exclusive
    calls_per_day: tuple[tuple[date, int], ...]  # oldest first, zero-filled
    total_calls: int
    finished_calls: int  # outcome is no longer in_progress
    containment: float | None  # 0..1: finished calls not transferred to a person
    duration_median_seconds: float | None
    duration_p90_seconds: float | None
    latency_p50_seconds: float | None  # caller's end of speech to the agent's reply
    latency_p95_seconds: float | None
    confidence_mean: float | None  # recognition confidence of caller turns, 0..1
    confidence_p10: float | None
    top_categories: tuple[tuple[str, int], ...]  # service name, calls; most first
    repeats: tuple[tuple[str, int], ...]  # reprompt after "sorry", times; most first
    outcomes: tuple[tuple[str, int], ...]  # outcome, calls; most first


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _percentile(values: Sequence[float], percent: float) -> float | None:
    # numpy's default (linear interpolation between the closest ranks).
    return float(np.percentile(values, percent)) if values else None


def _ranked(
    pairs: Iterable[tuple[str | None, int]], limit: int | None = None
) -> tuple[tuple[str, int], ...]:
    # Ties break by name in Python: SQLite and PostgreSQL collate text differently.
    ranked = sorted(
        ((name, count) for name, count in pairs if name is not None),
        key=lambda pair: (-pair[1], pair[0]),
    )
    return tuple(ranked[:limit] if limit is not None else ranked)


def line_health(
    session: Session,
    *,
    sorry_prompt: str,
    days: int = 14,
    now: datetime | None = None,
) -> LineHealth:
    """The line's figures over the `days` UTC days ending with today (or `now`'s day).

    sorry_prompt is what the agent says when it did not understand ("Sorry, I
    didn't catch that."); the agent turn after it is the question repeated.

    Raises: ValueError when `days` is less than one.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    today = _utc(now or utcnow()).date()
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, time.min, tzinfo=UTC)
    end = datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC)
    in_window = (Call.started_at >= start, Call.started_at < end)
    window_ids = select(Call.id).where(*in_window).scalar_subquery()

    outcomes = _ranked(
        session.execute(
            select(Call.outcome, func.count()).where(*in_window).group_by(Call.outcome)
        ).tuples()
    )
    by_outcome = dict(outcomes)
    total = sum(by_outcome.values())
    finished = total - by_outcome.get(CallOutcome.IN_PROGRESS, 0)
    transferred = by_outcome.get(CallOutcome.TRANSFERRED, 0)

    # Days and durations in Python: date casts and interval arithmetic differ
    # between SQLite and PostgreSQL, and a fortnight's calls are few rows.
    per_day: Counter[date] = Counter()
    durations: list[float] = []
    for started_at, ended_at, outcome in session.execute(
        select(Call.started_at, Call.ended_at, Call.outcome).where(*in_window)
    ).tuples():
        per_day[_utc(started_at).date()] += 1
        if outcome != CallOutcome.IN_PROGRESS and ended_at is not None:
            durations.append((_utc(ended_at) - _utc(started_at)).total_seconds())

    caller_turns = (
        CallTurn.call_id.in_(window_ids),
        CallTurn.speaker == Speaker.CALLER,
    )
    # The bridge records voice-to-voice time on the agent's reply, the turn
    # after the caller's. The None checks narrow the type for mypy.
    latencies = [
        seconds
        for seconds in session.scalars(
            select(CallTurn.response_seconds).where(
                CallTurn.call_id.in_(window_ids),
                CallTurn.speaker == Speaker.AGENT,
                CallTurn.response_seconds.is_not(None),
            )
        )
        if seconds is not None
    ]
    confidences = [
        confidence
        for confidence in session.scalars(
            select(CallTurn.confidence).where(
                *caller_turns,
                CallTurn.confidence.is_not(None),
                func.trim(CallTurn.text) != "",
            )
        )
        if confidence is not None
    ]

    categories = session.execute(
        select(WorkOrder.service_name, func.count(Call.id))
        .join(WorkOrder, Call.work_order_id == WorkOrder.id)
        .where(*in_window)
        .group_by(WorkOrder.service_name)
    ).tuples()

    # The dialog says "sorry" as a turn of its own, then the reprompt as the next.
    agent_turns = (
        select(
            CallTurn.text,
            func.lead(CallTurn.text)
            .over(partition_by=CallTurn.call_id, order_by=CallTurn.turn_index)
            .label("next_text"),
        )
        .where(CallTurn.call_id.in_(window_ids), CallTurn.speaker == Speaker.AGENT)
        .subquery()
    )
    repeats = session.execute(
        select(agent_turns.c.next_text, func.count())
        .where(
            # substr, not LIKE: LIKE ignores case in SQLite but not in PostgreSQL.
            func.substr(agent_turns.c.text, 1, len(sorry_prompt)) == sorry_prompt,
            agent_turns.c.next_text.is_not(None),
        )
        .group_by(agent_turns.c.next_text)
    ).tuples()

    return LineHealth(
        days=days,
        start=start,
        end=end,
        calls_per_day=tuple(
            (day, per_day[day])
            for day in (first_day + timedelta(days=n) for n in range(days))
        ),
        total_calls=total,
        finished_calls=finished,
        containment=(finished - transferred) / finished if finished else None,
        duration_median_seconds=_percentile(durations, 50),
        duration_p90_seconds=_percentile(durations, 90),
        latency_p50_seconds=_percentile(latencies, 50),
        latency_p95_seconds=_percentile(latencies, 95),
        confidence_mean=float(np.mean(confidences)) if confidences else None,
        confidence_p10=_percentile(confidences, 10),
        top_categories=_ranked(categories, TOP_N),
        repeats=_ranked(repeats, TOP_N),
        outcomes=outcomes,
    )


# Charts: plain SVG drawn on the server, so the page works on a closed city
# network without scripts, CDNs or web fonts.

_WIDTH = 640
_FONT = 'font-family="system-ui, sans-serif"'
_BAR_FILL = "#2f6690"
_AXIS = "#666"
# Long reprompts are cut on the chart; the full text is in the bar's tooltip.
_LABEL_CHARS = 84


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    shown = f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
    return shown.rstrip("0").rstrip(".")


def _with_unit(value: float, unit: str) -> str:
    return f"{_number(value)} {unit}".strip()


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"


def _checked(labels: Sequence[str], values: Sequence[float]) -> None:
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values")
    bad = [v for v in values if not math.isfinite(v) or v < 0]
    if bad:
        raise ValueError(f"bar values must be finite and not negative: {bad}")


def _open(
    title: str, height: int, labels: Sequence[str], values: Sequence[float], unit: str
) -> list[str]:
    summary = "; ".join(
        f"{label}: {_with_unit(v, unit)}"
        for label, v in zip(labels, values, strict=True)
    )
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart" {_FONT} '
        'font-size="12">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(summary) or 'No data'}</desc>",
        f'<text x="0" y="16" font-size="14" font-weight="600">{escape(title)}</text>',
    ]


def _no_data(title: str) -> str:
    parts = _open(title, 80, [], [], "")
    parts.append(
        f'<text x="{_WIDTH // 2}" y="52" text-anchor="middle" fill="{_AXIS}">'
        "No data</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def bar_chart_svg(
    labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = ""
) -> str:
    """Vertical bars, one per label, each with its value on top.

    Raises: ValueError when labels and values differ in number, or a value is
    negative or not finite.
    """
    _checked(labels, values)
    if not values:
        return _no_data(title)
    top, left, right, plot_height = 36, 48, 8, 160
    slot = (_WIDTH - left - right) / len(values)
    # Narrow slots (a month of days) get slanted labels so they do not overlap.
    slanted = slot < 44
    bottom = 64 if slanted else 40
    height = top + plot_height + bottom
    base_y = top + plot_height
    scale_max = max(values) or 1.0
    parts = _open(title, height, labels, values, unit)
    for fraction in (0.0, 0.5, 1.0):
        y = base_y - fraction * plot_height
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{_WIDTH - right}" y2="{y:.1f}" '
            f'stroke="#ddd"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{_AXIS}">'
            f"{escape(_number(scale_max * fraction))}</text>"
        )
    if unit:
        parts.append(
            f'<text x="0" y="{top - 6}" fill="{_AXIS}" font-size="11">'
            f"{escape(unit)}</text>"
        )
    bar_width = max(slot * 0.7, 1.0)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        centre = left + slot * (index + 0.5)
        bar_height = value / scale_max * plot_height
        shown = escape(_short(label))
        parts.append(
            f"<g><title>{escape(label)}: {escape(_with_unit(value, unit))}</title>"
            f'<rect class="bar" x="{centre - bar_width / 2:.1f}" '
            f'y="{base_y - bar_height:.1f}" width="{bar_width:.1f}" '
            f'height="{bar_height:.1f}" fill="{_BAR_FILL}"/>'
            f'<text x="{centre:.1f}" y="{base_y - bar_height - 4:.1f}" '
            f'text-anchor="middle" font-size="10">{escape(_number(value))}</text></g>'
        )
        if slanted:
            parts.append(
                f'<text x="{centre:.1f}" y="{base_y + 14}" text-anchor="end" '
                f'font-size="10" transform="rotate(-45 {centre:.1f} {base_y + 14})">'
                f"{shown}</text>"
            )
        else:
            parts.append(
                f'<text x="{centre:.1f}" y="{base_y + 16}" text-anchor="middle" '
                f'font-size="11">{shown}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{base_y}" x2="{_WIDTH - right}" y2="{base_y}" '
        f'stroke="{_AXIS}"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def horizontal_bar_svg(
    labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = ""
) -> str:
    """Horizontal bars, one row per label (written above its bar), largest scale
    to the right edge, each with its value after the bar.

    Raises: ValueError when labels and values differ in number, or a value is
    negative or not finite.
    """
    _checked(labels, values)
    if not values:
        return _no_data(title)
    top, left, right, row_height, bar_height = 30, 8, 72, 36, 14
    plot_width = _WIDTH - left - right
    height = top + row_height * len(values) + 28
    scale_max = max(values) or 1.0
    parts = _open(title, height, labels, values, unit)
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        row_y = top + row_height * index
        bar_y = row_y + 18
        width = value / scale_max * plot_width
        parts.append(
            f"<g><title>{escape(label)}: {escape(_with_unit(value, unit))}</title>"
            f'<text x="{left}" y="{row_y + 14}">{escape(_short(label))}</text>'
            f'<rect class="bar" x="{left}" y="{bar_y}" width="{width:.1f}" '
            f'height="{bar_height}" fill="{_BAR_FILL}"/>'
            f'<text x="{left + width + 6:.1f}" y="{bar_y + 11}" font-size="11">'
            f"{escape(_with_unit(value, unit))}</text></g>"
        )
    axis_y = top + row_height * len(values) + 4
    parts.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_width}" y2="{axis_y}" '
        f'stroke="{_AXIS}"/>'
    )
    for fraction, anchor in ((0.0, "start"), (0.5, "middle"), (1.0, "end")):
        parts.append(
            f'<text x="{left + fraction * plot_width:.1f}" y="{axis_y + 16}" '
            f'text-anchor="{anchor}" fill="{_AXIS}" font-size="11">'
            f"{escape(_with_unit(scale_max * fraction, unit))}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def health_charts(health: LineHealth) -> dict[str, str]:
    """The health page's charts by name: calls_per_day, categories, repeats."""
    return {
        "calls_per_day": bar_chart_svg(
            [day.strftime("%b %d") for day, _ in health.calls_per_day],
            [calls for _, calls in health.calls_per_day],
            title=f"Calls per day (UTC), last {health.days} days",
            unit="calls",
        ),
        "categories": horizontal_bar_svg(
            [name for name, _ in health.top_categories],
            [calls for _, calls in health.top_categories],
            title="Top categories",
            unit="calls",
        ),
        "repeats": horizontal_bar_svg(
            [text for text, _ in health.repeats],
            [times for _, times in health.repeats],
            title="Where callers had to repeat themselves (reprompt after “sorry”)",
            unit="times",
        ),
    }
