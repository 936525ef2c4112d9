"""TwiML for the voice flow, in the caller's language."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response
from twilio.twiml.voice_response import Gather, VoiceResponse

VOICES = {
    "zh": {"voice": "Polly.Zhiyu", "language": "cmn-CN"},
    "yue": {"voice": "Google.yue-HK-Standard-A", "language": "yue-HK"},
    "en": {"voice": "Polly.Joanna", "language": "en-US"},
}

PROMPTS = {
    "welcome": {
        "zh": "您好，这里是12345政务服务便民热线。",
        "en": "Welcome to the 12345 government service hotline.",
    },
    "choose": {"zh": "{label}请按{digit}。", "en": "For {label}, press {digit}."},
    "invalid": {
        "zh": "抱歉，没有听清您的选择。",
        "en": "Sorry, we did not get your choice.",
    },
    "merged": {
        "zh": "您拨打的{line}已整合到12345热线，正在为您转接。",
        "en": "The {line} has merged into the 12345 hotline. Connecting you now.",
    },
    "queued": {
        "zh": "正在为您转接话务员，请稍候。",
        "en": "Please hold while we connect you to an agent.",
    },
    "position": {
        "zh": "您前面还有{ahead}位来电，请耐心等候。",
        "en": "There are {ahead} callers ahead of you.",
    },
    "next": {"zh": "您的来电即将被接听。", "en": "You are next in line."},
    "connecting": {"zh": "正在为您接通话务员。", "en": "Connecting you to an agent."},
    "apology": {
        "zh": "抱歉，系统暂时繁忙，请稍后再拨。",
        "en": "Sorry, we cannot take your call right now. Please call again later.",
    },
}


def prompt(name: str, language: str = "zh", **values) -> str:
    texts = PROMPTS[name]
    return texts.get(language, texts["zh"]).format(**values)


def say(response: VoiceResponse | Gather, text: str, language: str = "zh") -> None:
    response.say(text, **VOICES.get(language, VOICES["zh"]))


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def menu(
    action: str, options: Sequence[tuple[str, str]], language: str = "zh", retry: bool = False
) -> VoiceResponse:
    """A <Gather> of one digit that reads the options (digit, label) and posts to ``action``."""
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=action, method="POST", timeout=6, input="dtmf")
    if retry:
        say(gather, prompt("invalid", language), language)
    else:
        say(gather, prompt("welcome", language), language)
    for digit, label in options:
        say(gather, prompt("choose", language, label=label, digit=digit), language)
    response.append(gather)
    # No digit within the timeout: Twilio falls through to this redirect, which counts a try.
    response.redirect(action, method="POST")
    return response


def enqueue(
    queue: str, wait_url: str, action: str, notice: str | None = None, language: str = "zh"
) -> VoiceResponse:
    response = VoiceResponse()
    if notice:
        say(response, notice, language)
    say(response, prompt("queued", language), language)
    response.enqueue(queue, wait_url=wait_url, wait_url_method="POST", action=action)
    return response


def apology(language: str = "zh") -> VoiceResponse:
    response = VoiceResponse()
    say(response, prompt("apology", language), language)
    response.hangup()
    return response
