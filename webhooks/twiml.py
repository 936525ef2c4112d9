"""TwiML for the voice flow, in the caller's language (普通话, 粤语, English)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask import Response
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from hotline.xmltext import xml_safe

VOICES = {
    "zh": {"voice": "Polly.Zhiyu", "language": "cmn-CN"},
    "yue": {"voice": "Google.yue-HK-Standard-A", "language": "yue-HK"},
    "en": {"voice": "Polly.Joanna", "language": "en-US"},
}
# Languages for <Gather input="speech">.
SPEECH_LANGUAGES = {"zh": "cmn-Hans-CN", "yue": "yue-Hant-HK", "en": "en-US"}

PROMPTS = {
    "welcome": {
        "zh": "您好，这里是12345政务服务便民热线。",
        "yue": "你好，呢度係12345政務服務熱線。",
        "en": "Welcome to the 12345 government service hotline.",
    },
    "choose": {
        "zh": "{label}请按{digit}。",
        "yue": "{label}請按{digit}。",
        "en": "For {label}, press {digit}.",
    },
    "say_topic": {
        "zh": "请直接说出您要咨询的问题，或按键选择。",
        "yue": "請直接講出你想查詢嘅問題，或者按鍵選擇。",
        "en": "Please say what your call is about, or choose from the menu.",
    },
    "invalid": {
        "zh": "抱歉，没有听清您的选择。",
        "yue": "對唔住，聽唔清楚你嘅選擇。",
        "en": "Sorry, we did not get your choice.",
    },
    "merged": {
        "zh": "您拨打的{line}已整合到12345热线，正在为您转接。",
        "yue": "你打嘅{line}已經併入12345熱線，而家幫你轉接。",
        "en": "The {line} has merged into the 12345 hotline. Connecting you now.",
    },
    "queued": {
        "zh": "正在为您转接话务员，请稍候。",
        "yue": "而家幫你轉接接線員，請稍等。",
        "en": "Please hold while we connect you to an agent.",
    },
    "position": {
        "zh": "您前面还有{ahead}位来电，预计等待约{minutes}分钟。",
        "yue": "你前面仲有{ahead}位來電，預計等大約{minutes}分鐘。",
        "en": "There are {ahead} callers ahead of you. "
        "The expected wait is about {minutes} minutes.",
    },
    "next": {
        "zh": "您的来电即将被接听。",
        "yue": "你嘅來電即將有人接聽。",
        "en": "You are next in line.",
    },
    "choices": {
        "zh": "继续等待请按1，预约回拨请按2，留言请按3。",
        "yue": "繼續等請按1，預約回電請按2，留言請按3。",
        "en": "To keep waiting, press 1. For a callback, press 2. To leave a message, press 3.",
    },
    "keep_waiting": {
        "zh": "好的，请继续等候。",
        "yue": "好，請繼續等。",
        "en": "Thank you, please keep holding.",
    },
    "callback_booked": {
        "zh": "已为您登记回拨，话务员将尽快给您回电，再见。",
        "yue": "已經幫你登記回電，接線員會盡快打返俾你，再見。",
        "en": "Your callback is booked. An agent will call you back soon. Goodbye.",
    },
    "leave_message": {
        "zh": "请在提示音后留言，说完请按井号键。",
        "yue": "請喺提示音之後留言，講完請按井號鍵。",
        "en": "Please leave your message after the tone, then press the pound key.",
    },
    "message_saved": {
        "zh": "留言已收到，我们将尽快给您回电，再见。",
        "yue": "留言已經收到，我哋會盡快打返俾你，再見。",
        "en": "Your message is saved. We will call you back soon. Goodbye.",
    },
    "on_hold": {
        "zh": "话务员正在为您查询，请稍候，不要挂机。",
        "yue": "接線員正在幫你查詢，請稍等，唔好收線。",
        "en": "The agent is looking into this for you. Please stay on the line.",
    },
    "consulted": {
        "zh": "这里是12345政务服务便民热线，话务员有一位市民的来电想先与您沟通。",
        "yue": "呢度係12345政務服務便民熱線，接線員有位市民嘅來電想先同你溝通。",
        "en": "This is the 12345 government service hotline: an agent would like a word "
        "with you about a caller first.",
    },
    "transferring": {
        "zh": "正在为您转接，请稍候。",
        "yue": "而家幫你轉駁，請稍等。",
        "en": "Transferring your call, please hold.",
    },
    "connecting": {
        "zh": "正在为您接通话务员。",
        "yue": "而家幫你接通接線員。",
        "en": "Connecting you to an agent.",
    },
    "rate": {
        "zh": "请对本次服务进行评价：满意请按1，基本满意请按2，不满意请按3。",
        "yue": "請評價今次服務：滿意請按1，基本滿意請按2，唔滿意請按3。",
        "en": "Please rate our service: satisfied, press 1; basically satisfied, press 2; "
        "unsatisfied, press 3.",
    },
    "thanks": {
        "zh": "感谢您的评价，再见。",
        "yue": "多謝你嘅評價，再見。",
        "en": "Thank you for your rating. Goodbye.",
    },
    "hold_on": {
        "zh": "系统繁忙，请您继续等候，我们会尽快为您接通。",
        "yue": "系統繁忙，請你繼續等候，我哋會盡快幫你接通。",
        "en": "Our system is busy. Please keep holding; we will connect you as soon as we can.",
    },
    "busy_message": {
        "zh": "系统繁忙，请在提示音后留言，说完请按井号键，我们将尽快给您回电。",
        "yue": "系統繁忙，請喺提示音之後留言，講完請按井號鍵，我哋會盡快打返俾你。",
        "en": "Our system is busy. Please leave your message after the tone, then press the "
        "pound key. We will call you back soon.",
    },
    "apology": {
        "zh": "抱歉，系统暂时繁忙，请稍后再拨。",
        "yue": "對唔住，系統暫時繁忙，請稍後再打。",
        "en": "Sorry, we cannot take your call right now. Please call again later.",
    },
}


def prompt(name: str, language: str = "zh", **values) -> str:
    texts = PROMPTS[name]
    return texts.get(language, texts["zh"]).format(**values)


def say(response: VoiceResponse | Gather, text: str, language: str = "zh") -> None:
    # Menu labels and line names are edited by people: one control character would make
    # the TwiML unparseable, and the caller would hear Twilio's error instead.
    response.say(xml_safe(text), **VOICES.get(language, VOICES["zh"]))


def twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def language_menu(action: str, options: Sequence[tuple[str, str, str]], retry=False):
    """Each language offered in itself: (digit, language, label in that language)."""
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=action, method="POST", timeout=5, input="dtmf")
    say(gather, prompt("invalid" if retry else "welcome"), "zh")
    for digit, language, label in options:
        say(gather, prompt("choose", language, label=label, digit=digit), language)
    response.append(gather)
    # No digit within the timeout: Twilio falls through to this redirect, which counts a try.
    response.redirect(action, method="POST")
    return response


def topic_menu(
    action: str,
    options: Sequence[tuple[str, str]],
    language: str,
    hints: Sequence[str] = (),
    retry: bool = False,
) -> VoiceResponse:
    """A <Gather> of a digit or speech that reads the options (digit, label)."""
    response = VoiceResponse()
    gather = Gather(
        num_digits=1,
        action=action,
        method="POST",
        timeout=6,
        input="dtmf speech",
        language=SPEECH_LANGUAGES.get(language, SPEECH_LANGUAGES["zh"]),
        speech_timeout="auto",
        hints=xml_safe(",".join(hints[:100])) or None,
    )
    if retry:
        say(gather, prompt("invalid", language), language)
    say(gather, prompt("say_topic", language), language)
    for digit, label in options:
        say(gather, prompt("choose", language, label=label, digit=digit), language)
    response.append(gather)
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


def single_digit(action: str, text: str, language: str) -> VoiceResponse:
    response = VoiceResponse()
    gather = Gather(num_digits=1, action=action, method="POST", timeout=6, input="dtmf")
    say(gather, text, language)
    response.append(gather)
    return response


def goodbye(name: str, language: str) -> VoiceResponse:
    response = VoiceResponse()
    say(response, prompt(name, language), language)
    response.hangup()
    return response


def apology(language: str = "zh") -> VoiceResponse:
    return goodbye("apology", language)


def keep_holding(wait_url: str, language: str = "zh") -> VoiceResponse:
    """Wait music for a queued caller while nothing can be looked up: no <Hangup>, the
    caller stays in the queue, and the wait URL is asked again after a while."""
    response = VoiceResponse()
    say(response, prompt("hold_on", language), language)
    response.pause(length=10)
    response.redirect(wait_url, method="POST")
    return response


def on_hold(again_url: str, language: str = "zh") -> VoiceResponse:
    """What a caller on hold hears: the hold message, a pause, and the hold URL again (until
    the agent resumes, which redirects the call to the bridge)."""
    response = VoiceResponse()
    say(response, prompt("on_hold", language), language)
    response.pause(length=15)
    response.redirect(again_url, method="POST")
    return response


def take_message(action: str, language: str = "zh", name: str = "leave_message") -> VoiceResponse:
    """Ask for a voice message (up to two minutes, ended by #), posted to ``action``."""
    response = VoiceResponse()
    say(response, prompt(name, language), language)
    response.record(action=action, method="POST", max_length=120, finish_on_key="#")
    return response


def ring_agent(
    dial: Dial,
    identity: str,
    phone: str | None,
    context: Mapping[str, str],
    answered_url: str | None = None,
) -> None:
    """Ring the agent's phone (an E.164 number or a sip: URI) when they have one, else their
    browser client, which receives ``context`` (the call and the caller) as parameters.
    Twilio posts the leg's sid to ``answered_url`` when the agent picks up."""
    events = {"status_callback": answered_url, "status_callback_event": "answered"}
    events = events if answered_url else {}
    if phone and phone.startswith(("sip:", "sips:")):
        dial.sip(phone, **events)
    elif phone:
        dial.number(phone, **events)
    else:
        client = dial.client(**events)
        client.identity(identity)
        for name, value in context.items():
            client.parameter(name=name, value=value)


def conference(
    name: str,
    action: str,
    *,
    starts: bool,
    ends: bool,
    wait_url: str | None = None,
    notice: str | None = None,
    language: str = "zh",
) -> VoiceResponse:
    """Join the conference room ``name``. One who ``starts`` it lets the others talk (until
    then they hear ``wait_url``); one who ``ends`` it takes everybody out on leaving. No
    beep: callers must not hear people come and go."""
    response = VoiceResponse()
    if notice:
        say(response, notice, language)
    dial = response.dial(action=action, method="POST")
    dial.conference(
        name,
        beep="false",
        start_conference_on_enter="true" if starts else "false",
        end_conference_on_exit="true" if ends else "false",
        wait_url=wait_url or "",
        wait_method="POST",
    )
    return response
