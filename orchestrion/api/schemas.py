"""Request and response bodies of the API, as pydantic models.

The request model validates the POST body (unknown fields are refused, so a typo never silently falls back to a
default). Response models document the answers in `/openapi.json`; the routes build plain dicts and serialise them
with orjson on the hot paths, and the tests check those dicts against these models so the two cannot drift.

Extensions (webhooks, idempotency, several samples ...) add optional fields here, never change existing ones.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The composer's own bounds and key grammar (an import-light module), so that the schema and the engine that
# enforces them cannot disagree.
from ..engines.composer.chords import PROGRESSION_PATTERN, ChordError, parse_progression
from ..engines.composer.instruments import find_instrument, request_instrument_names
from ..engines.composer.numbers import KEY_PATTERN, MAX_BPM, MIN_BPM, TIME_SIGNATURE_PATTERN, parse_time_signature

__all__ = [
    "AudioFileOut",
    "CancelOut",
    "EditOut",
    "ErrorBody",
    "GenerateAudioRequest",
    "GenerationCreated",
    "GenerationError",
    "GenerationList",
    "GenerationOut",
    "HealthOut",
    "KEY_PATTERN",
    "Meta",
    "ModelList",
    "ModelOut",
    "NOT_BLANK_PATTERN",
    "NamedFileOut",
    "PlanOut",
    "SheetFileOut",
    "OUTPUT_FORMATS",
    "ReadyOut",
    "SAMPLE_COUNT_MAX",
    "SEED_MAX",
    "SampleOut",
    "Usage",
    "VertexPredictRequest",
    "VertexPredictResponse",
    "WEBHOOK_URL_PATTERN",
]

SEED_MAX = 2**32 - 1
PROMPT_MAX = 5000
#: Samples one request may ask for (as Vertex allows).
SAMPLE_COUNT_MAX = 4
WebhookEvent = Literal["started", "completed", "error"]
_PORT = r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4}))?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
#: A host name: labels of letters, digits, hyphens and underscores, the last one starting with a letter (no
#: top-level domain is numeric, and a numeric last label would make the host an IPv4 address in another spelling,
#: such as 127.1 or 2130706433); or an IPv4 address written as four decimal numbers.
_HOST = rf"(?:(?:[A-Za-z0-9_-]+\.)*[A-Za-z][A-Za-z0-9_-]*|{_OCTET}(?:\.{_OCTET}){{3}})"
#: http(s), a host (IPv6 receivers are reached by name; names in other scripts are written in their ASCII,
#: punycode form), an optional port, then visible ASCII; no credentials.
WEBHOOK_URL_PATTERN = rf"^https?://{_HOST}{_PORT}(?:[/?#][!-~]*)?$"
#: Text with at least one character that is not whitespace (in Python's reading or JSON Schema's, whichever is
#: wider), spelled out so that both read the pattern alike.
NOT_BLANK_PATTERN = (r"[^\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
                     r"\u3000\ufeff]")
OUTPUT_FORMATS = ("wav", "flac", "mp3", "ogg")
_NOT_BLANK = re.compile(NOT_BLANK_PATTERN)
_KEY = re.compile(KEY_PATTERN)
_WEBHOOK_URL = re.compile(WEBHOOK_URL_PATTERN)


def _json_integer(value: Any) -> Any:
    # JSON Schema counts 7.0 as an integer, so it is accepted; "7" and true are not numbers and are refused.
    if isinstance(value, (bool, str)):
        raise ValueError("must be an integer")
    return value


def _prompt_is_not_blank(value: Any) -> Any:
    if isinstance(value, str) and _NOT_BLANK.search(value) is None:
        raise ValueError("must not be empty")
    return value


#: The composer's part roles (:data:`.engines.composer.arrange.ROLES`; a test keeps the two equal).
_ROLES = ("melody", "counter", "doubling", "harmony", "pad", "arp", "bass", "percussion", "fx", "hand", "drums")


class SectionIn(BaseModel):
    """One section of a plan (`sections`)."""

    # exactly one of `seconds` and `bars`, as the validator below says, in the schema too
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, json_schema_extra={"anyOf": [
        {"required": ["seconds"], "properties": {"seconds": {"type": "number"}, "bars": {"type": "null"}}},
        {"required": ["bars"], "properties": {"bars": {"type": "integer"}, "seconds": {"type": "null"}}}]})

    name: Annotated[str, Field(strict=True, min_length=1, max_length=40, json_schema_extra={"pattern": NOT_BLANK_PATTERN},
                               description="intro, verse, pre-chorus, chorus, bridge, breakdown, build, drop, solo, "
                                           "outro, ending … (the name chooses how it is written; others are verses)")]
    seconds: Annotated[float | None, Field(strict=True, ge=0.5, le=300,
                                           description="Length in seconds, rounded to whole bars.")] = None
    bars: Annotated[int | None, Field(ge=1, le=64, description="Length in bars.")] = None
    prompt: Annotated[str | None, Field(strict=True, max_length=2000,
                                        description="This section's mood, energy and instruments (naming "
                                                    "instruments of the ensemble plays only those; \"no drums\" "
                                                    "leaves the kit out).")] = None
    energy: Annotated[float | None, Field(strict=True, ge=0, le=1, description="0 calm .. 1 intense.")] = None

    @field_validator("bars", mode="before")
    @classmethod
    def _bars_is_a_json_integer(cls, value: Any) -> Any:
        return _json_integer(value)

    @field_validator("name")
    @classmethod
    def _name_has_words(cls, value: str) -> str:
        return _prompt_is_not_blank(value)

    @model_validator(mode="after")
    def _one_length(self) -> "SectionIn":
        if (self.seconds is None) == (self.bars is None):
            raise ValueError("give exactly one of `seconds` and `bars`")
        return self


_GENERATION_ID = Annotated[str, Field(strict=True, min_length=1, max_length=200,
                                      description="A completed composer generation of this API key.")]


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    generation_id: _GENERATION_ID
    seconds: Annotated[float, Field(strict=True, ge=5, le=300, description="Seconds to add (default 30).")] = 30


class RepaintIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    generation_id: _GENERATION_ID
    start: Annotated[float, Field(strict=True, ge=0, description="Seconds into the source.")]
    end: Annotated[float, Field(strict=True, gt=0, description="Seconds into the source, after start (a span "
                                                               "that ends before it starts answers 400, once the "
                                                               "source is found).")]
    prompt: Annotated[
        Annotated[str, Field(strict=True, min_length=1, max_length=2000,
                             json_schema_extra={"pattern": NOT_BLANK_PATTERN})] | None,
        Field(description="What the span becomes (its mood, energy, instruments), in the source's key, tempo and "
                          "metre; absent: the source's prompt."),
    ] = None

    @field_validator("prompt")
    @classmethod
    def _prompt_has_words(cls, value: str | None) -> str | None:
        return _prompt_is_not_blank(value)


class RemixIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    generation_id: _GENERATION_ID


#: Base64 of a MIDI file of at most 1 MiB (4 characters per 3 bytes, padding included).
MIDI_BASE64_MAX = 4 * ((1 << 20) + 2) // 3
MIDI_BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"


class GenerateAudioRequest(BaseModel):
    """Body of ``POST /v2/generate/audio``: the hosted API's fields plus the optional musical parameters."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    model: Annotated[str, Field(strict=True, min_length=1, max_length=200, description="A served model id or alias (see /v1/models).")]
    prompt: Annotated[
        Annotated[str, Field(strict=True, min_length=1, max_length=PROMPT_MAX,
                             json_schema_extra={"pattern": NOT_BLANK_PATTERN})] | None,
        Field(description="What the music should be (not only whitespace). Required, except with `extend`, "
                          "`repaint` or `remix`: then absent means the source's prompt."),
    ] = None
    negative_prompt: Annotated[
        str | None, Field(strict=True, max_length=PROMPT_MAX, description="What to leave out.")
    ] = None
    seed: Annotated[
        int | None,
        Field(ge=0, le=SEED_MAX, description="Same seed and parameters give the same audio; random when absent."),
    ] = None
    duration: Annotated[
        float | None,
        Field(strict=True, ge=5, le=300,
              description="Seconds of audio (extension). Absent: a length written in the prompt, else 30. A model "
                          "may take less than this range (`min_duration`, `max_duration` in /v1/models), and a "
                          "request's audio, all samples together, is capped by the server "
                          "(`max_request_audio_seconds`): beyond either the answer is 400, naming the limit."),
    ] = None
    bpm: Annotated[
        float | None,
        Field(strict=True, ge=MIN_BPM, le=MAX_BPM,
              description=f"Tempo in beats per minute (extension; {MIN_BPM:g}-{MAX_BPM:g}, the tempi the composer "
                          "plays)."),
    ] = None
    key: Annotated[
        Annotated[str, Field(strict=True, min_length=1, max_length=40, json_schema_extra={"pattern": KEY_PATTERN})]
        | None,
        Field(description='Musical key (extension): a note name (A to G, or do, ré, mi ...), then optionally an '
                          'accidental (#, b, ♯, ♭, sharp, flat, dièse, bémol ...) and a mode (major, minor, m, '
                          'dorian ... in English, French, German, Italian or Spanish), in any case, such as '
                          '"D minor", "F#m", "E-flat major", "ré mineur" or "A dorian". `pattern` is the whole '
                          'grammar.'),
    ] = None
    loop: Annotated[bool | None, Field(strict=True, description="End flows seamlessly back into the start (extension).")] = None
    stems: Annotated[
        bool | None, Field(strict=True, description="Return per-instrument stems beside the track (extension; "
                                                    "default false: made when asked for).")
    ] = None
    chords: Annotated[
        Annotated[str, Field(strict=True, min_length=1, max_length=1000,
                             json_schema_extra={"pattern": PROGRESSION_PATTERN})] | None,
        Field(description='Chord progression (extension; composer models), played exactly, one chord per bar (or per '
                          '`bars_per_chord` bars), looped over the whole piece with the style\'s voicings and '
                          'rhythms. Up to 64 chords separated by spaces, commas or bar lines: chord symbols — a root '
                          '(A-G, # or b), a quality (none or maj, m/min, 7, maj7, m7, dim, dim7, aug/+, sus2, sus4, '
                          '7sus4, 6, m6, 9, m9, maj9, add9, m7b5) and an optional slash bass — such as '
                          '"Am F C G" or "Cmaj7 A7/C# Dm7 G7"; or Roman numerals against the key (case gives the '
                          'quality; b/# alter the degree; °, +, 7, maj7, m7, 9, 6, sus2, sus4, add9; V/V and I/3 '
                          'forms), such as "vi IV I V" or "ii7 V7 Imaj7". Without `key`, chord symbols set the key '
                          '(found from the chords). A token that is no chord answers 400 naming it; `pattern` is the whole grammar.',
              examples=["Am F C G", "ii7 V7 Imaj7"]),
    ] = None
    bars_per_chord: Annotated[
        int | None,
        Field(ge=1, le=8, description="Bars each chord of `chords` lasts (extension; 1-8, default 1; without "
                                      "`chords` it changes nothing)."),
    ] = None
    time_signature: Annotated[
        Annotated[str, Field(strict=True, min_length=3, max_length=12,
                             json_schema_extra={"pattern": TIME_SIGNATURE_PATTERN})] | None,
        Field(description='Metre (extension; composer models): beats per bar (2-15), a slash and the beat\'s note '
                          'value (2, 4 or 8), such as "3/4", "4/4", "6/8", "12/8", "5/4" or "7/8", or an even number '
                          'of sixteenths (2-14) over 16 ("6/16"). It replaces the style\'s metre; the tempo counts '
                          'the metre\'s beat (a dotted quarter in 6/8, 9/8 and 12/8). Anything else answers 400.'),
    ] = None
    instruments: Annotated[
        list[Annotated[str, Field(strict=True, json_schema_extra={"enum": list(request_instrument_names())})]
             | Annotated[dict[str, str], Field(json_schema_extra={
                 "properties": {"name": {"type": "string", "enum": list(request_instrument_names())},
                                "role": {"type": "string", "enum": list(_ROLES)}},
                 "required": ["name"], "additionalProperties": False})]] | None,
        Field(min_length=1, max_length=8,
              description='The ensemble (extension; composer models), 1-8 instruments: General MIDI names as the '
                          'standard spells them ("Acoustic Grand Piano", "Electric Bass (finger)", "String Ensemble '
                          '1"), catalogue ids ("nylon_guitar") or names and synonyms in lower case ("piano", '
                          '"rhodes", "upright bass", "violin", "congas", "drums"), `enum` listing them all; or '
                          'objects {"name", "role"} that also give the part\'s role (a kit always plays `drums`, '
                          'hand percussion `hand`, and a pitched instrument given either takes its own best role). '
                          'Exactly these play: a drum kit or hand percussion only when listed.'),
    ] = None
    sections: Annotated[
        list[SectionIn] | None,
        Field(min_length=1, max_length=32,
              description="A section plan (extension; composer models): sections in order, each with `name`, "
                          "`seconds` or `bars`, and optionally its own `prompt` and `energy`; lengths are kept to the "
                          "bar and the length of the piece follows from the plan (send no `duration`). docs/editing.md."),
    ] = None
    extend: Annotated[
        ExtendIn | None,
        Field(description="Continue a finished composer generation of this key (extension): its track sample for "
                          "sample up to the seam (the start of its ending), then `seconds` more in its key, tempo, "
                          "instruments and motifs. 404 for another key's or an unknown id, 409 while it is not "
                          "completed."),
    ] = None
    repaint: Annotated[
        RepaintIn | None,
        Field(description="Compose `start`..`end` (seconds, widened to whole bars) of a finished composer "
                          "generation anew (extension); outside that span the track is the source's, sample for "
                          "sample."),
    ] = None
    remix: Annotated[
        RemixIn | None,
        Field(description="The same composition (form, harmony, melody) as a finished composer generation, in "
                          "the style, instruments and production of this request's prompt (extension); `bpm` and "
                          "`key` move its tempo and key."),
    ] = None
    midi: Annotated[
        Annotated[str, Field(strict=True, min_length=4, max_length=MIDI_BASE64_MAX,
                             json_schema_extra={"pattern": MIDI_BASE64_PATTERN})] | None,
        Field(description="A Standard MIDI File (format 0 or 1, at most 1 MiB and 300 s), base64 (extension; "
                          "composer models), played or arranged as `midi_mode` says."),
    ] = None
    midi_mode: Annotated[
        Literal["render", "arrange"] | None,
        Field(description="`render` (default): the file's notes, played, mixed and mastered; `arrange`: its melody "
                          "arranged in the prompt's style over the chords the file implies."),
    ] = None
    sheet_music: Annotated[
        bool | None, Field(strict=True, description="Engrave the score as MusicXML and SVG pages (extension; "
                                                    "composer models; default false).")
    ] = None
    output_format: Annotated[
        Literal["wav", "flac", "mp3", "ogg"], Field(description="Encoding of audio_file (extension; default wav).")
    ] = "wav"
    sample_count: Annotated[
        int | None,
        Field(ge=1, le=SAMPLE_COUNT_MAX,
              description="Tracks to make (extension, 1-4): the first with `seed`, the others with seeds derived "
                          "from it; answered as `audio_files`. Each is charged for its audio (rate in /v1/models)."),
    ] = None
    webhook_url: Annotated[
        Annotated[str, Field(strict=True, min_length=1, max_length=2048,
                             json_schema_extra={"pattern": WEBHOOK_URL_PATTERN})] | None,
        Field(description="http(s) URL that receives signed `webhook_events` (extension; Standard Webhooks). "
                          "The host is a name or an IPv4 address as four decimal numbers. A URL of this form may "
                          "still be refused with 400: a host that is not a public address (a private or loopback "
                          "address, `localhost`) unless the operator allows its network "
                          "(`webhook_allowed_networks`); and at each delivery, a name that resolves to such an "
                          "address."),
    ] = None
    webhook_events: Annotated[
        list[WebhookEvent] | None,
        Field(min_length=1, max_length=3,
              description="Which events to send to `webhook_url` (extension; default all three; "
                          "without `webhook_url` nothing is sent)."),
    ] = None


    @field_validator("seed", "sample_count", "bars_per_chord", mode="before")
    @classmethod
    def _seed_is_a_json_integer(cls, value: Any) -> Any:
        return _json_integer(value)

    @field_validator("prompt")
    @classmethod
    def _prompt_has_words(cls, value: str | None) -> str | None:
        return _prompt_is_not_blank(value)

    @model_validator(mode="after")
    def _prompt_or_an_edit(self) -> "GenerateAudioRequest":
        if self.prompt is None and self.extend is None and self.repaint is None and self.remix is None:
            raise ValueError("prompt: is required (only a request with `extend`, `repaint` or `remix` may leave it out)")
        edits = [name for name in ("extend", "repaint", "remix", "midi") if getattr(self, name) is not None]
        if len(edits) > 1:
            raise ValueError(f"{edits[1]}: send at most one of extend, repaint, remix and midi")
        if self.midi_mode is not None and self.midi is None:
            raise ValueError("midi_mode: only with `midi`")
        if self.extend is not None and (self.sample_count or 1) > 1:
            raise ValueError("sample_count: an extension continues its source one way (the source's seed writes "
                             "its motifs); send sample_count 1 with extend")
        if self.sections is not None and self.duration is not None:
            raise ValueError("sections: the plan sets the length; send `sections` or `duration`, not both")
        return self

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_has_the_documented_form(cls, value: str | None) -> str | None:
        if value is not None and _WEBHOOK_URL.fullmatch(value) is None:
            raise ValueError("must be an http:// or https:// URL naming a host (a name whose last label starts with "
                             "a letter, or an IPv4 address as four decimal numbers), with an optional port, and no "
                             "credentials, spaces or control characters")
        return value

    @field_validator("key")
    @classmethod
    def _key_is_a_key(cls, value: str | None) -> str | None:
        # A full match reads the pattern as JSON Schema does: "$" is the end of the text, not a final newline.
        if value is not None and _KEY.fullmatch(value) is None:
            raise ValueError(f"{value!r} is not a key; write a note name and a mode, such as \"D minor\", \"F#m\", "
                             "\"E-flat major\" or \"A dorian\"")
        return value


    @field_validator("chords")
    @classmethod
    def _chords_are_chords(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_progression(value)
            except ChordError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("time_signature")
    @classmethod
    def _time_signature_is_one(cls, value: str | None) -> str | None:
        if value is not None and parse_time_signature(value) is None:
            raise ValueError(f"{value!r} is not a time signature the composer plays; write beats per bar (2-15), a "
                             "slash and the beat's note value (2, 4 or 8), such as \"3/4\", \"6/8\" or \"7/8\", "
                             "or an even number of sixteenths (2-14) over 16")
        return value

    @field_validator("instruments")
    @classmethod
    def _instruments_are_known(cls, value: list[Any] | None) -> list[Any] | None:
        for item in value or ():
            if isinstance(item, dict):
                if set(item) - {"name", "role"} or "name" not in item:
                    raise ValueError(f"an instrument object has a `name` and optionally a `role`, got {item!r}")
                name, role = item["name"], item.get("role")
                if role is not None and role not in _ROLES:
                    raise ValueError(f"{role!r} is not a role; roles are {', '.join(_ROLES)}")
            else:
                name = item
            if find_instrument(name) is None:
                raise ValueError(f"{name!r} is not an instrument the composer knows; write a General MIDI name such "
                                 "as \"Acoustic Grand Piano\", or a common name in lower case such as \"piano\", "
                                 "\"violin\" or \"drums\"")
        return value


class Usage(BaseModel):
    credits_used: int = Field(description="Credits charged (refunded, and then 0, when the audio is not delivered).")
    audio_seconds: float | None = Field(
        default=None, description="Audio seconds charged for, all samples together (see /v1/models for the rate).")


class Meta(BaseModel):
    usage: Usage


class GenerationCreated(BaseModel):
    id: str = Field(description='"<uuid4>:<model short name>"')
    status: Literal["queued"]
    model: str
    seed: int
    created_at: str
    meta: Meta | None = Field(default=None, description="What the generation costs (extension).")
    seeds: list[int] | None = Field(default=None, description="The seed of each sample (sample_count > 1).")


class AudioFileOut(BaseModel):
    url: str = Field(description="Signed, expiring link; works without an Authorization header.")
    content_type: str
    file_name: str
    file_size: int


class NamedFileOut(AudioFileOut):
    name: str = Field(description="Instrument or role of the file (stems).")


class SheetFileOut(AudioFileOut):
    name: Literal["lead_sheet", "score"] = Field(description="The lead sheet (melody and chord symbols) or the full score.")
    format: Literal["musicxml", "svg"]
    page: int | None = Field(description="Page number of an engraved SVG page (from 1); null for MusicXML.")


class PlanSectionOut(BaseModel):
    name: str
    start: float = Field(description="Seconds from the start of the track.")
    bars: int
    chords: list[str] = Field(description="The chord symbols of the section, one per change.")


class PlanOut(BaseModel):
    sections: list[PlanSectionOut]


class EditOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    operation: Literal["extend", "repaint", "remix", "render", "arrange"]
    generation_id: str | None = Field(default=None, description="The source generation (extend, repaint, remix).")
    seam: float | None = Field(default=None, description="extend: seconds where the new music takes over.")
    crossfade: float | None = Field(default=None, description="extend: seconds of crossfade before the seam.")
    start: float | None = Field(default=None, description="repaint: the widened span's start (s).")
    end: float | None = Field(default=None, description="repaint: the widened span's end (s).")


class GenerationError(BaseModel):
    name: str
    message: str


class SampleOut(BaseModel):
    seed: int
    audio_file: AudioFileOut | None
    midi_file: AudioFileOut | None = None
    stems: list[NamedFileOut] | None = None
    sheet_music: list[SheetFileOut] | None = None
    plan: PlanOut | None = None


class GenerationOut(BaseModel):
    id: str
    status: Literal["queued", "generating", "completed", "error", "canceled"]
    audio_file: AudioFileOut | None
    error: GenerationError | None
    meta: Meta
    model: str
    seed: int | None
    created_at: str
    completed_at: str | None
    progress: int = Field(ge=0, le=100)
    queue_position: int | None = Field(default=None, description="Jobs ahead of this one (0 = next); queued only.")
    midi_file: AudioFileOut | None = None
    stems: list[NamedFileOut] | None = None
    sheet_music: list[SheetFileOut] | None = Field(
        default=None, description="The score as MusicXML and engraved SVG pages (composer models; extension).")
    plan: PlanOut | None = Field(
        default=None, description="The sections with their start (s), bars and chords (composer models; extension).")
    edit: EditOut | None = Field(default=None, description="What an extend, repaint, remix or MIDI request did.")
    audio_files: list[AudioFileOut] | None = Field(
        default=None, description="Every sample's track, first = audio_file (completed only; extension).")
    seeds: list[int] | None = Field(default=None, description="The seed of each sample (sample_count > 1).")
    samples: list[SampleOut] | None = Field(
        default=None, description="Each sample's files (sample_count > 1; extension).")


class CancelOut(GenerationOut):
    message: str = Field(description="What the cancel did: canceled (and refunded), or why nothing changed.")


class GenerationList(BaseModel):
    object: Literal["list"]
    data: list[GenerationOut] = Field(description="This key's generations, newest first.")
    has_more: bool
    next_cursor: str | None = Field(description="Pass as `after` for the next page; null on the last.")


class VertexInstance(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    prompt: Annotated[str, Field(strict=True, min_length=1, max_length=PROMPT_MAX,
                                 json_schema_extra={"pattern": NOT_BLANK_PATTERN})]
    negative_prompt: Annotated[str | None, Field(strict=True, max_length=PROMPT_MAX)] = None
    seed: Annotated[int | None, Field(ge=0, le=SEED_MAX, description="Excludes parameters.sample_count.")] = None

    @field_validator("prompt")
    @classmethod
    def _prompt_has_words(cls, value: str) -> str:
        return _prompt_is_not_blank(value)

    @field_validator("seed", mode="before")
    @classmethod
    def _seed_is_a_json_integer(cls, value: Any) -> Any:
        return _json_integer(value)


class VertexParameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sample_count: Annotated[
        int | None, Field(ge=1, le=SAMPLE_COUNT_MAX, description="Excludes instances[].seed.")
    ] = None

    @field_validator("sample_count", mode="before")
    @classmethod
    def _count_is_a_json_integer(cls, value: Any) -> Any:
        return _json_integer(value)


class VertexPredictRequest(BaseModel):
    """Body of the Vertex-style ``lyria-002:predict`` route."""

    # Vertex's rule, stated so that clients and fuzzers know it: no instance seed, or no sample_count.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"properties": {"instances": {"items": {"properties": {"seed": {"type": "null"}}}}}},
        {"properties": {"parameters": {"anyOf": [
            {"type": "null"}, {"properties": {"sample_count": {"type": "null"}}}]}}},
    ]})

    instances: Annotated[list[VertexInstance], Field(min_length=1, max_length=SAMPLE_COUNT_MAX)]
    parameters: VertexParameters | None = None


class VertexPrediction(BaseModel):
    bytesBase64Encoded: str = Field(description="The WAV file, base64.")
    mimeType: Literal["audio/wav"]


class VertexPredictResponse(BaseModel):
    predictions: list[VertexPrediction]
    deployedModelId: str = Field(description="The served model that made the audio.")
    model: str


class ErrorBody(BaseModel):
    """The body of every non-2xx answer."""

    message: str
    path: str
    requestId: str
    statusCode: int
    timestamp: str = Field(description="ISO-8601 UTC")


class ModelOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    object: Literal["model"]
    engine: str
    alias_of: str | None
    available: bool
    unavailable_reason: str | None = None
    credits: int = Field(description="The rate: credits per `credit_seconds` of audio. A generation costs "
                                     "ceil(credits × samples × seconds / credit_seconds).")
    credit_seconds: float = Field(description="Audio seconds one `credits` pays for (30: one hosted-length track).")


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelOut]


class ReadyOut(BaseModel):
    status: Literal["ready"]
    workers: list[dict[str, Any]]
    models: dict[str, int] = Field(description="Ready workers per served engine model.")


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
