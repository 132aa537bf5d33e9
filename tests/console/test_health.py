"""The line-health figures over real databases, and the SVG charts drawn from them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from console.health import (
    LineHealth,
    bar_chart_svg,
    health_charts,
    horizontal_bar_svg,
    line_health,
)
from workorders.models import Call, CallOutcome, CallTurn, Department, WorkOrder

NOW = datetime(2025, 3, 14, 15, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"
SORRY = "Sorry, I didn't catch that."
TEMPLATES = Path(__file__).resolve().parents[2] / "console" / "templates"

Turn = tuple[str, str, float | None, float | None]  # speaker, text, confidence, reply
ChartFn = Callable[..., str]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as opened:
        opened.add(Department(code="PW", name="Public Works"))
        opened.commit()
        yield opened


def _order(session: Session, service_name: str) -> WorkOrder:
    order = WorkOrder(
        service_code=service_name.upper().replace(" ", "_"),
        service_name=service_name,
        department_code="PW",
        address="100 Main Street",
        description="reported on the phone",
        urgency="normal",
    )
    session.add(order)
    session.flush()
    return order


def _call(
    session: Session,
    started_at: datetime,
    *,
    seconds: float | None = 60.0,
    outcome: str = CallOutcome.WORK_ORDER_CREATED,
    order: WorkOrder | None = None,
    turns: Sequence[Turn] = (),
) -> Call:
    """A call with turns numbered in the given order; no `seconds`: still going."""
    call = Call(
        call_sid=f"CA{session.scalar(select(func.count()).select_from(Call)):032d}",
        started_at=started_at,
        ended_at=None if seconds is None else started_at + timedelta(seconds=seconds),
        outcome=CallOutcome.IN_PROGRESS if seconds is None else outcome,
        work_order_id=order.id if order else None,
        turns=[
            CallTurn(
                turn_index=index,
                speaker=speaker,
                text=text,
                started_seconds=float(index),
                confidence=confidence,
                response_seconds=reply,
            )
            for index, (speaker, text, confidence, reply) in enumerate(turns)
        ],
    )
    session.add(call)
    session.commit()
    return call


def _agent(text: str) -> Turn:
    return ("agent", text, None, None)


def _caller(
    text: str, *, confidence: float | None = 0.9, reply: float | None = None
) -> Turn:
    return ("caller", text, confidence, reply)


def _health(session: Session, days: int = 3) -> LineHealth:
    return line_health(session, sorry_prompt=SORRY, days=days, now=NOW)


# line_health


def test_calls_per_day_counts_whole_utc_days_and_fills_quiet_days_with_zero(
    session: Session,
) -> None:
    _call(session, datetime(2025, 3, 11, 23, 59, 59, tzinfo=UTC))  # day before
    _call(session, datetime(2025, 3, 12, 0, 0, tzinfo=UTC))
    _call(session, datetime(2025, 3, 12, 12, 30, tzinfo=UTC))
    _call(session, datetime(2025, 3, 14, 14, 0, tzinfo=UTC))
    _call(session, datetime(2025, 3, 15, 0, 0, tzinfo=UTC))  # tomorrow

    health = _health(session)

    assert health.calls_per_day == (
        (date(2025, 3, 12), 2),
        (date(2025, 3, 13), 0),
        (date(2025, 3, 14), 1),
    )
    assert health.total_calls == 3
    assert health.start == datetime(2025, 3, 12, tzinfo=UTC)
    assert health.end == datetime(2025, 3, 15, tzinfo=UTC)


def test_now_in_another_time_zone_picks_its_utc_day(session: Session) -> None:
    _call(session, datetime(2025, 3, 14, 20, 0, tzinfo=UTC))
    # 01:00 on the 15th at UTC+5 is still the 14th in UTC.
    evening = datetime(2025, 3, 15, 1, 0, tzinfo=timezone(timedelta(hours=5)))

    health = line_health(session, sorry_prompt=SORRY, days=1, now=evening)

    assert health.calls_per_day == ((date(2025, 3, 14), 1),)


def test_containment_leaves_out_calls_still_in_progress(session: Session) -> None:
    day = datetime(2025, 3, 13, 9, 0, tzinfo=UTC)
    for outcome in (
        CallOutcome.WORK_ORDER_CREATED,
        CallOutcome.WORK_ORDER_CREATED,
        CallOutcome.WORK_ORDER_CREATED,
        CallOutcome.FAQ_ANSWERED,
        CallOutcome.TRANSFERRED,
    ):
        _call(session, day, outcome=outcome)
    _call(session, day, seconds=None)
    _call(session, day, seconds=None)

    health = _health(session)

    assert health.total_calls == 7
    assert health.finished_calls == 5
    assert health.containment == pytest.approx(0.8)
    assert health.outcomes == (
        ("work_order_created", 3),
        ("in_progress", 2),
        ("faq_answered", 1),
        ("transferred", 1),
    )


def test_containment_is_unknown_while_no_call_has_finished(session: Session) -> None:
    _call(session, datetime(2025, 3, 14, 14, 0, tzinfo=UTC), seconds=None)

    health = _health(session)

    assert health.finished_calls == 0
    assert health.containment is None
    assert health.duration_median_seconds is None


def test_durations_are_median_and_p90_of_finished_calls_in_the_window(
    session: Session,
) -> None:
    day = datetime(2025, 3, 13, 9, 0, tzinfo=UTC)
    for seconds in (30, 10, 100, 20, 90, 40, 50, 80, 60, 70):
        _call(session, day, seconds=seconds)
    _call(session, day, seconds=None)  # still going
    _call(session, datetime(2025, 3, 1, tzinfo=UTC), seconds=5000)  # long ago

    health = _health(session)

    assert health.duration_median_seconds == pytest.approx(55.0)
    # Linear between the 9th (90 s) and 10th (100 s) of ten: 90 + 0.1 * 10.
    assert health.duration_p90_seconds == pytest.approx(91.0)


def test_latency_percentiles_use_the_agents_replies_with_a_reply_time(
    session: Session,
) -> None:
    # The bridge puts voice-to-voice time on the agent turn that answers.
    day = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
    replies = [float(n) for n in range(1, 22)]  # 1 s .. 21 s
    _call(session, day, turns=[("agent", "Okay.", None, r) for r in replies[:10]])
    _call(
        session,
        day,
        turns=[
            *(("agent", "Okay.", None, r) for r in replies[10:]),
            ("agent", "City services.", None, None),  # the greeting answers no one
            _caller("pothole", reply=99.0),  # caller turns carry no reply time
        ],
    )
    _call(
        session,
        datetime(2025, 3, 11, 9, 0, tzinfo=UTC),
        turns=[("agent", "Old.", None, 500.0)],
    )

    health = _health(session)

    assert health.latency_p50_seconds == pytest.approx(11.0)
    # 0.95 * 20 = rank 19 exactly: the 20th smallest, 20 s.
    assert health.latency_p95_seconds == pytest.approx(20.0)


def test_confidence_skips_turns_where_nothing_was_heard(session: Session) -> None:
    _call(
        session,
        datetime(2025, 3, 12, 9, 0, tzinfo=UTC),
        turns=[
            _agent("What is the problem you would like to report?"),
            _caller("a pothole", confidence=0.2),
            _caller("on main street", confidence=0.4),
            _caller("", confidence=0.0),
            _caller("   ", confidence=0.0),
            _caller("yes", confidence=0.6),
            _caller("urgent", confidence=None),
            _caller("no", confidence=0.8),
            _caller("thanks", confidence=1.0),
            ("agent", "Goodbye.", 0.01, None),
        ],
    )

    health = _health(session)

    assert health.confidence_mean == pytest.approx(0.6)
    # Rank 0.1 * 4 = 0.4 between 0.2 and 0.4.
    assert health.confidence_p10 == pytest.approx(0.28)


def test_top_categories_count_calls_by_service_and_keep_the_eight_largest(
    session: Session,
) -> None:
    day = datetime(2025, 3, 13, 9, 0, tzinfo=UTC)
    pothole = _order(session, "Pothole")
    _call(session, day, order=pothole)
    _call(session, day, order=pothole)  # a second caller, same hole
    _call(session, day, order=_order(session, "Pothole"))
    light = _order(session, "Streetlight out")
    _call(session, day, order=light)
    _call(session, day, order=light)
    for name in ("Graffiti", "Abandoned vehicle", "Dead animal", "Sidewalk"):
        _call(session, day, order=_order(session, name))
    for name in ("Tree down", "Noise", "Missed trash"):
        _call(session, day, order=_order(session, name))
    _call(session, day)  # no work order
    _order(session, "Zoning")  # no call
    _call(session, datetime(2025, 3, 1, tzinfo=UTC), order=_order(session, "Old"))

    health = _health(session)

    assert health.top_categories == (
        ("Pothole", 3),
        ("Streetlight out", 2),
        ("Abandoned vehicle", 1),
        ("Dead animal", 1),
        ("Graffiti", 1),
        ("Missed trash", 1),
        ("Noise", 1),
        ("Sidewalk", 1),
    )


def test_repeats_count_the_agent_turn_that_follows_sorry_by_its_text(
    session: Session,
) -> None:
    day = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
    opening = "Please tell me the problem, for example, a pothole."
    address = "Please say the street address, for example, 100 Main Street."
    _call(
        session,
        day,
        turns=[
            _agent("Hello, this is the city's 311 line."),
            _caller("mmm"),
            _agent(SORRY),
            _agent(opening),
            _caller("pothole"),
            _agent("Where is it?"),
            _caller("umm"),
            _agent(SORRY),
            _agent(address),
            _caller("mmm"),
            _agent(SORRY),
            # The caller spoke over the sorry; the reprompt still counts.
            _caller("what?"),
            _agent(address),
        ],
    )
    _call(
        session,
        day,
        turns=[
            _agent(SORRY),
            _agent(opening),
            _agent("I'm sorry, I couldn't find that case."),
            _agent("Let me connect you."),
            _agent(SORRY),  # the caller hung up: no reprompt followed
        ],
    )
    _call(
        session,
        datetime(2025, 3, 2, tzinfo=UTC),
        turns=[_agent(SORRY), _agent("Long ago.")],
    )

    health = _health(session)

    assert health.repeats == ((address, 2), (opening, 2))


def test_a_quiet_line_has_zero_filled_days_and_no_figures(session: Session) -> None:
    health = line_health(session, sorry_prompt=SORRY, now=NOW)

    assert health.days == 14
    assert len(health.calls_per_day) == 14
    assert health.calls_per_day[0] == (date(2025, 3, 1), 0)
    assert health.calls_per_day[-1] == (date(2025, 3, 14), 0)
    assert health.total_calls == 0
    assert health.latency_p50_seconds is None
    assert health.confidence_mean is None
    assert health.top_categories == ()
    assert health.repeats == ()
    assert health.outcomes == ()


def test_a_window_of_no_days_is_refused(session: Session) -> None:
    with pytest.raises(ValueError):
        line_health(session, sorry_prompt=SORRY, days=0, now=NOW)


# Charts


def _parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _bars(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter(f"{SVG}rect") if el.get("class") == "bar"]


def _texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("chart", [bar_chart_svg, horizontal_bar_svg])
def test_chart_is_well_formed_with_one_bar_per_value(chart: ChartFn) -> None:
    root = _parsed(chart(["a", "b", "c"], [3, 0, 7.5], title="Calls", unit="calls"))

    assert root.tag == f"{SVG}svg"
    assert len(_bars(root)) == 3
    heights = [float(bar.get("height") or 0) for bar in _bars(root)]
    widths = [float(bar.get("width") or 0) for bar in _bars(root)]
    sizes = heights if chart is bar_chart_svg else widths
    assert sizes[1] == 0
    assert sizes[0] < sizes[2]


@pytest.mark.parametrize("chart", [bar_chart_svg, horizontal_bar_svg])
def test_chart_names_itself_for_screen_readers(chart: ChartFn) -> None:
    root = _parsed(chart(["a"], [1], title="Top categories"))

    assert root.get("role") == "img"
    assert root.get("aria-label") == "Top categories"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Top categories"


@pytest.mark.parametrize("chart", [bar_chart_svg, horizontal_bar_svg])
def test_chart_shows_each_value_and_its_label(chart: ChartFn) -> None:
    texts = _texts(_parsed(chart(["Mar 12", "Mar 13"], [4, 12], title="Calls")))

    assert "Mar 12" in texts and "Mar 13" in texts
    assert any(text.startswith("4") for text in texts)
    assert any(text.startswith("12") for text in texts)


@pytest.mark.parametrize("chart", [bar_chart_svg, horizontal_bar_svg])
def test_markup_in_labels_and_title_is_escaped(chart: ChartFn) -> None:
    svg = chart(['<&> "x"', "b"], [1, 2], title="A <b> & 'c'", unit="<u>")

    root = _parsed(svg)

    assert '<&> "x"' in _texts(root)
    assert root.get("aria-label") == "A <b> & 'c'"
    assert "<b>" not in svg and "<u>" not in svg


@pytest.mark.parametrize("chart", [bar_chart_svg, horizontal_bar_svg])
def test_chart_without_values_says_no_data(chart: ChartFn) -> None:
    root = _parsed(chart([], [], title="Repeats"))

    assert _bars(root) == []
    assert "No data" in _texts(root)
    assert root.get("aria-label") == "Repeats"


@pytest.mark.parametrize("chart", [bar_chart_svg, horizontal_bar_svg])
def test_chart_of_only_zeros_draws_flat_bars(chart: ChartFn) -> None:
    root = _parsed(chart(["a", "b"], [0, 0], title="Calls"))

    assert len(_bars(root)) == 2


@pytest.mark.parametrize("chart", [bar_chart_svg, horizontal_bar_svg])
def test_labels_and_values_of_different_lengths_are_refused(chart: ChartFn) -> None:
    with pytest.raises(ValueError):
        chart(["a", "b"], [1], title="Calls")


def test_long_reprompt_is_shortened_on_the_chart_but_whole_in_its_tooltip() -> None:
    reprompt = "Please tell me the problem, for example, a pothole. " * 3

    root = _parsed(horizontal_bar_svg([reprompt], [2], title="Repeats"))

    assert reprompt not in _texts(root)
    assert any(text.endswith("…") for text in _texts(root))
    tooltips = [el.text or "" for el in root.iter(f"{SVG}title")]
    assert any(tip.startswith(reprompt) for tip in tooltips)


def test_a_month_of_days_draws_a_bar_for_every_day() -> None:
    labels = [f"Mar {n:02d}" for n in range(1, 31)]

    root = _parsed(bar_chart_svg(labels, list(range(30)), title="Calls per day"))

    assert len(_bars(root)) == 30


def test_health_page_shows_the_figures_and_the_charts(session: Session) -> None:
    order = _order(session, "Pothole")
    _call(
        session,
        datetime(2025, 3, 14, 9, 0, tzinfo=UTC),
        seconds=120,
        order=order,
        turns=[_caller("pothole", confidence=0.75), ("agent", "Okay.", None, 1.25)],
    )
    _call(
        session,
        datetime(2025, 3, 13, 9, 0, tzinfo=UTC),
        outcome=CallOutcome.TRANSFERRED,
    )
    health = _health(session)
    charts = health_charts(health)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape()
    )

    html = env.get_template("health.html").render(
        user=None, prefix="/console", health=health, charts=charts, days=health.days
    )

    assert set(charts) == {"calls_per_day", "categories", "repeats"}
    assert "50%" in html  # one of two finished calls transferred
    assert "1.25 s" in html
    assert "0.75" in html
    assert "Pothole" in html
    assert html.count("<svg") == 3
    assert "No data" in charts["repeats"]
