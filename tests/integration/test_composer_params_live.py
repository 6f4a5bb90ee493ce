"""The composer's `chords`, `time_signature` and `instruments` through a real server: the MIDI file it returns
plays the requested chords on the downbeats, in the requested metre, on the requested instruments."""

from __future__ import annotations

import io

import httpx
import mido

from orchestrion.engines.composer.chords import parse_symbol
from orchestrion.engines.composer.instruments import INSTRUMENTS, find_instrument
from tests.support.server import ServerProcess

CHORDS = ["Am", "F", "C", "G"]
INSTRUMENT_NAMES = ["Acoustic Grand Piano", "Acoustic Bass", "Flute"]


def _read(data: bytes) -> tuple[tuple[int, int], int, list[tuple[int, int, int, int]], set[int]]:
    """(time signature, ticks per bar, pitched notes as (start, end, channel, pitch), programs) of a MIDI file."""
    midi = mido.MidiFile(file=io.BytesIO(data))
    signatures = [m for track in midi.tracks for m in track if m.type == "time_signature"]
    assert signatures, "the file has no time signature"
    metre = (signatures[0].numerator, signatures[0].denominator)
    notes: list[tuple[int, int, int, int]] = []
    programs: set[int] = set()
    for track in midi.tracks:
        now, sounding = 0, {}
        for message in track:
            now += message.time
            if message.type == "program_change" and message.channel != 9:
                programs.add(message.program)
            if message.type not in ("note_on", "note_off") or message.channel == 9:
                continue
            if message.type == "note_on" and message.velocity > 0:
                sounding.setdefault((message.channel, message.note), []).append(now)
            elif sounding.get((message.channel, message.note)):
                start = sounding[(message.channel, message.note)].pop(0)
                notes.append((start, now, message.channel, message.note))
    bar = midi.ticks_per_beat * metre[0] * 4 // metre[1]
    return metre, bar, notes, programs


def test_the_midi_file_plays_the_requested_chords_metre_and_instruments(live_server: ServerProcess) -> None:
    answer = httpx.post(
        live_server.base_url + "/v2/generate/audio",
        json={"model": "orchestrion/composer", "prompt": "an upbeat pop song", "duration": 20, "seed": 11,
              "chords": " ".join(CHORDS), "time_signature": "3/4", "instruments": INSTRUMENT_NAMES},
        headers={"Authorization": f"Bearer {live_server.api_key}", "Prefer": "wait=60"}, timeout=90)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "completed", body
    midi = httpx.get(body["midi_file"]["url"], timeout=10)
    assert midi.status_code == 200

    metre, bar, notes, programs = _read(midi.content)
    assert metre == (3, 4)
    assert programs == {INSTRUMENTS[find_instrument(name)].program for name in INSTRUMENT_NAMES}
    wanted = [parse_symbol(symbol)[0] for symbol in CHORDS]
    bars = max(end for _, end, _, _ in notes) // bar
    assert bars >= 8
    hits = 0
    tolerance = bar // 12  # a quarter of a beat: the performance layer plays a little off the grid
    for index in range(bars):
        start = index * bar
        sounding = {pitch % 12 for begin, end, _, pitch in notes if begin <= start + tolerance and end > start + tolerance}
        chord = wanted[index % len(wanted)]
        hits += chord.root in sounding and chord.third in sounding
    assert hits / bars >= 0.95, (hits, bars)
