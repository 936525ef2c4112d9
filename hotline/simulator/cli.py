"""`hotline simulate`: citizens, agents and departments against a running hotline."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import click
import requests
from flask.cli import with_appcontext

from hotline.infra import context
from hotline.simulator.profile import PRESETS


def _start(ctx, param, value: str | None) -> float | None:
    if value is None:
        return None
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
    if not match:
        raise click.BadParameter("expected HH:MM, such as 09:00")
    return int(match.group(1)) + int(match.group(2)) / 60


@click.command(help="Simulate citizens, agents and departments against a running hotline.")
@click.option("--url", required=True, help="The hotline's base URL, e.g. http://127.0.0.1:8000.")
@click.option(
    "--hours",
    default=0.25,
    show_default=True,
    type=click.FloatRange(0.001, 24),
    help="Simulated hours (fractions allowed).",
)
@click.option(
    "--scale",
    default=0.05,
    show_default=True,
    type=click.FloatRange(min=0.0001),
    help="Share of the seed volume (2,121,383 calls a year).",
)
@click.option(
    "--preset",
    default="normal",
    show_default=True,
    type=click.Choice(list(PRESETS)),
    help="normal: from 09:00; typhoon: 10x the calls from 13:00 to 16:00.",
)
@click.option(
    "--seed",
    default=12345,
    show_default=True,
    type=int,
    help="The same seed makes the same arrivals and choices.",
)
@click.option(
    "--speed",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    help="Simulated seconds per wall second (durations are divided by it).",
)
@click.option("--start", "start_hour", callback=_start, help="Simulated start time HH:MM.")
@click.option(
    "--agents",
    type=click.IntRange(1, 500),
    help="A fixed roster of agents (default: the Erlang C plan per 15 minutes).",
)
@click.option("--texts-per-call", default=0.1, show_default=True, type=click.FloatRange(0, 10))
@click.option(
    "--drain",
    "drain_seconds",
    default=120.0,
    show_default=True,
    type=click.FloatRange(0, 3600),
    help="Wall seconds to let calls and orders finish after the last arrival.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Play Twilio's unhappy outcomes too: agents' phones not answered, busy or failed; "
    "callbacks not answered; delivery reports before the REST answer.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--no-progress", is_flag=True, help="No progress line on stderr.")
@with_appcontext
def simulate(
    url,
    hours,
    scale,
    preset,
    seed,
    speed,
    start_hour,
    agents,
    texts_per_call,
    drain_seconds,
    strict,
    as_json,
    no_progress,
) -> None:
    from hotline.infra.database import get_session
    from hotline.simulator import provision as provisioning
    from hotline.simulator.run import Options, Simulation

    config = context.settings()
    listen = urlsplit(config.twilio_api_base_url or "")
    if not config.twilio_account_sid or not listen.hostname:
        raise click.ClickException(
            "the simulator is the hotline's Twilio: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN "
            "and TWILIO_API_BASE_URL (a local address it listens on) for it and for the server"
        )
    options = Options(
        url=url,
        account_sid=config.twilio_account_sid,
        auth_token=config.twilio_auth_token,
        main_number=config.main_number,
        listen_host=listen.hostname,
        listen_port=listen.port or (443 if listen.scheme == "https" else 80),
        public_url=config.public_url,
        hours=hours,
        scale=scale,
        preset=preset,
        seed=seed,
        speed=speed,
        start_hour=start_hour,
        agents=agents,
        texts_per_call=texts_per_call,
        drain_seconds=drain_seconds,
        progress=not no_progress,
        strict=strict,
    )
    session = get_session()
    simulation_plan = _seats_needed(options)
    provisioned = provisioning.provision(session, simulation_plan)
    simulation = Simulation(options, provisioned)
    try:
        outcome = simulation.run()
        summary = simulation.account(outcome, context.sessions())
    except requests.RequestException as exc:
        raise click.ClickException(f"the hotline at {url} did not answer: {exc}") from None
    finally:
        provisioning.release(get_session(), provisioned)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo(format_summary(summary))
    if not summary["ok"]:
        raise SystemExit(1)


def _seats_needed(options) -> int:
    """Agent logins to provision: the plan's peak (computed before the run, as the run will)."""
    if options.agents is not None:
        return options.agents
    from hotline.simulator.agents import HandleTimes
    from hotline.simulator.citizens import Behaviour
    from hotline.simulator.profile import ArrivalProfile
    from hotline.simulator.run import plan_staffing

    preset = PRESETS[options.preset]
    start_hour = preset.start_hour if options.start_hour is None else options.start_hour
    profile = ArrivalProfile(scale=options.scale, surge=preset.surge)
    start = start_hour * 3600
    # The strictest answer target (1 s) needs the most agents: enough logins for any server.
    plan = plan_staffing(
        options, HandleTimes(), Behaviour(), profile, start, start + options.hours * 3600, 1
    )
    return max(plan["peak_agents"], 1)


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}{unit}"
    return f"{value}{unit}"


def format_summary(summary: dict) -> str:
    sim, srv = summary["calls"]["simulated"], summary["calls"]["server"]
    wo_sim, wo_srv = summary["work_orders"]["simulated"], summary["work_orders"]["server"]
    plan, hooks, acc = summary["plan"], summary["webhooks"], summary["accounting"]
    counts = summary["counts"]
    rows = [
        ("offered", _num(sim["offered"]), _num(srv.get("offered", 0))),
        ("answered", _num(sim["answered"]), _num(srv.get("answered", 0))),
        ("answer rate", _pct(sim["answer_rate"]), _pct(srv.get("answer_rate"))),
        (
            "abandoned (+ short)",
            f"{sim['abandoned']} (+{sim['short_abandoned']})",
            f"{srv.get('abandoned', 0)} (+{srv.get('short_abandoned', 0)})",
        ),
        (
            "callbacks requested",
            _num(sim["callbacks_requested"]),
            _num(srv.get("callbacks_requested", 0)),
        ),
        (
            "callbacks unreached",
            _num(sim["callbacks_unreached"]),
            _num(srv.get("callbacks_unreached", 0)),
        ),
        ("service level", _pct(sim["service_level"]), _pct(srv.get("service_level"))),
        ("ASA (wall s)", _num(sim["asa_seconds"]), _num(srv.get("asa_seconds"))),
        (
            "AHT (wall s; planned here)",
            _num(summary["plan"].get("aht_wall")),
            _num(srv.get("aht_seconds")),
        ),
        ("FCR", _pct(sim["first_contact_resolution"]), _pct(srv.get("first_contact_resolution"))),
        ("work orders dispatched", _num(wo_sim["dispatched"]), _num(wo_srv.get("dispatched"))),
        ("work orders closed", _num(wo_sim["closed"]), _num(wo_srv.get("closed"))),
        ("closure rate", _pct(wo_sim["closure_rate"]), _pct(wo_srv.get("closure_rate"))),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [
        f"simulated {summary['hours']} h from {summary['start']} ({summary['preset']}), "
        f"scale {summary['scale']}, speed {summary['speed']}x, seed {summary['seed']}: "
        f"{summary['wall_seconds']} s wall",
        f"{counts['calls']} calls ({counts['calls_to_legacy_lines']} to legacy lines, "
        f"{counts['ivr_hangups']} hung up in the menus, {counts['speech_choices']} chose by "
        f"speech, {counts['ratings']} ratings), {counts['texts']} texts, "
        f"{counts['survey_answers']} survey answers, {counts['work_orders']} work orders",
        "",
        f"{'figure':<{width}}  {'simulator':>12}  {'hotline':>12}",
    ]
    lines += [f"{name:<{width}}  {a:>12}  {b:>12}" for name, a, b in rows]
    lines += [
        "",
        f"Erlang C plan: {plan['peak_agents']} agents at the peak "
        f"({', '.join(map(str, plan['agents']))} per interval); predicted answer rate "
        f"{_pct(plan['predicted_answer_rate'])}, service level "
        f"{_pct(plan['predicted_service_level'])}",
        f"webhooks: {hooks['count']} ({hooks['per_second']}/s during arrivals), "
        f"p50 {_num(hooks['p50_ms'])} ms, p99 {_num(hooks['p99_ms'])} ms, "
        f"statuses {hooks['by_status']}",
        f"accounting: {acc['checked']} checked, lost {acc['lost']}, "
        f"wrong state {acc['wrong_state']}, still open {acc['open_at_end']}",
        f"the hotline's reports agree: calls {'yes' if summary['calls']['agree'] else 'NO'}, "
        f"work orders {'yes' if summary['work_orders']['agree'] else 'NO'}",
    ]
    lines += [f"  {d}" for d in acc["details"]]
    lines += [f"  problem: {p}" for p in summary["problems"]]
    return "\n".join(lines)
