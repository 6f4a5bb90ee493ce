"""The instrument catalogue: every instrument the composer can write for, as General MIDI sounds it.

Each entry names its GM program, the range a real player (or a sensible synth patch) keeps to, its family (so
"no strings" can remove violins and cellos alike) and whether it is a drum kit. Drum kits are GM kit numbers on
bank 128 (0 standard, 8 room, 16 power, 24 electronic, 25 TR-808, 32 jazz, 40 brush, 48 orchestral).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["INSTRUMENTS", "Instrument", "instrument"]


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    program: int
    low: int  #: lowest MIDI pitch written
    high: int  #: highest MIDI pitch written
    family: str  #: "keys", "strings", "brass", "woodwind", "guitar", "bass", "synth", "percussion", "drums" ...
    is_drums: bool = False
    sustained: bool = True  #: holds a note (bowed, blown, organ, pad) rather than decaying
    percussive: bool = False  #: a struck sound prominent enough to read as percussion (timpani, marimba)


def _i(id: str, program: int, low: int, high: int, family: str, **kw: bool) -> Instrument:
    return Instrument(id, program, low, high, family, **kw)


_CATALOGUE = (
    _i("piano", 0, 21, 108, "keys", sustained=False),
    _i("bright_piano", 1, 21, 108, "keys", sustained=False),
    _i("electric_grand", 2, 28, 103, "keys", sustained=False),
    _i("honky_tonk", 3, 28, 103, "keys", sustained=False),
    _i("rhodes", 4, 28, 103, "keys", sustained=False),
    _i("fm_piano", 5, 28, 103, "keys", sustained=False),
    _i("harpsichord", 6, 29, 89, "keys", sustained=False),
    _i("clavinet", 7, 29, 89, "keys", sustained=False),
    _i("celesta", 8, 60, 108, "mallets", sustained=False),
    _i("glockenspiel", 9, 72, 108, "mallets", sustained=False),
    _i("music_box", 10, 60, 96, "mallets", sustained=False),
    _i("vibraphone", 11, 53, 89, "mallets", sustained=False),
    _i("marimba", 12, 45, 96, "mallets", sustained=False, percussive=True),
    _i("xylophone", 13, 65, 108, "mallets", sustained=False, percussive=True),
    _i("tubular_bells", 14, 60, 77, "mallets", sustained=False),
    _i("organ", 16, 36, 96, "organ"),
    _i("percussive_organ", 17, 36, 96, "organ"),
    _i("rock_organ", 18, 36, 96, "organ"),
    _i("church_organ", 19, 24, 96, "organ"),
    _i("accordion", 21, 41, 89, "reed"),
    _i("harmonica", 22, 60, 96, "reed"),
    _i("bandoneon", 23, 41, 89, "reed"),
    _i("nylon_guitar", 24, 40, 83, "guitar", sustained=False),
    _i("steel_guitar", 25, 40, 83, "guitar", sustained=False),
    _i("jazz_guitar", 26, 40, 86, "guitar", sustained=False),
    _i("clean_guitar", 27, 40, 86, "guitar", sustained=False),
    _i("muted_guitar", 28, 40, 76, "guitar", sustained=False),
    _i("overdrive_guitar", 29, 40, 86, "guitar"),
    _i("distortion_guitar", 30, 40, 86, "guitar"),
    _i("acoustic_bass", 32, 28, 55, "bass", sustained=False),
    _i("electric_bass", 33, 28, 60, "bass", sustained=False),
    _i("pick_bass", 34, 28, 60, "bass", sustained=False),
    _i("fretless_bass", 35, 28, 60, "bass", sustained=False),
    _i("slap_bass", 36, 28, 60, "bass", sustained=False),
    _i("synth_bass", 38, 24, 55, "bass"),
    _i("sub_bass", 39, 24, 50, "bass"),
    _i("violin", 40, 55, 96, "strings"),
    _i("viola", 41, 48, 84, "strings"),
    _i("cello", 42, 36, 76, "strings"),
    _i("contrabass", 43, 28, 55, "strings"),
    _i("tremolo_strings", 44, 36, 96, "strings"),
    _i("pizzicato", 45, 36, 91, "strings", sustained=False),
    _i("harp", 46, 24, 103, "strings", sustained=False),
    _i("timpani", 47, 40, 57, "percussion", sustained=False, percussive=True),
    _i("strings", 48, 36, 96, "strings"),
    _i("slow_strings", 49, 36, 96, "strings"),
    _i("synth_strings", 50, 36, 96, "synth"),
    _i("choir", 52, 48, 79, "voice"),
    _i("voice", 53, 48, 79, "voice"),
    _i("orchestra_hit", 55, 48, 72, "brass", sustained=False, percussive=True),
    _i("trumpet", 56, 54, 84, "brass"),
    _i("trombone", 57, 40, 72, "brass"),
    _i("tuba", 58, 28, 55, "brass"),
    _i("muted_trumpet", 59, 54, 82, "brass"),
    _i("french_horn", 60, 41, 77, "brass"),
    _i("brass", 61, 40, 82, "brass"),
    _i("synth_brass", 62, 36, 84, "synth"),
    _i("soprano_sax", 64, 56, 87, "woodwind"),
    _i("alto_sax", 65, 49, 81, "woodwind"),
    _i("tenor_sax", 66, 44, 76, "woodwind"),
    _i("baritone_sax", 67, 36, 69, "woodwind"),
    _i("oboe", 68, 58, 91, "woodwind"),
    _i("english_horn", 69, 52, 81, "woodwind"),
    _i("bassoon", 70, 34, 72, "woodwind"),
    _i("clarinet", 71, 50, 91, "woodwind"),
    _i("piccolo", 72, 74, 102, "woodwind"),
    _i("flute", 73, 60, 96, "woodwind"),
    _i("recorder", 74, 60, 93, "woodwind"),
    _i("pan_flute", 75, 60, 93, "woodwind"),
    _i("whistle", 78, 72, 96, "woodwind"),
    _i("ocarina", 79, 60, 88, "woodwind"),
    _i("square_lead", 80, 48, 96, "synth"),
    _i("saw_lead", 81, 48, 96, "synth"),
    _i("synth_lead", 87, 48, 96, "synth"),
    _i("new_age_pad", 88, 36, 96, "synth"),
    _i("warm_pad", 89, 36, 96, "synth"),
    _i("poly_pad", 90, 36, 96, "synth"),
    _i("choir_pad", 91, 36, 96, "synth"),
    _i("bowed_pad", 92, 36, 96, "synth"),
    _i("halo_pad", 94, 36, 96, "synth"),
    _i("sweep_pad", 95, 36, 96, "synth"),
    _i("atmosphere", 99, 36, 96, "synth"),
    _i("sitar", 104, 48, 84, "world", sustained=False),
    _i("banjo", 105, 48, 84, "guitar", sustained=False),
    _i("koto", 107, 48, 84, "world", sustained=False),
    _i("kalimba", 108, 60, 89, "mallets", sustained=False),
    _i("bagpipe", 109, 55, 81, "reed"),
    _i("fiddle", 110, 55, 93, "strings"),
    _i("steel_drums", 114, 52, 84, "mallets", sustained=False, percussive=True),
    # Drum kits: program is the GM kit number on bank 128.
    _i("drum_kit", 0, 27, 87, "drums", is_drums=True, sustained=False, percussive=True),
    _i("room_kit", 8, 27, 87, "drums", is_drums=True, sustained=False, percussive=True),
    _i("power_kit", 16, 27, 87, "drums", is_drums=True, sustained=False, percussive=True),
    _i("electronic_kit", 24, 27, 87, "drums", is_drums=True, sustained=False, percussive=True),
    _i("tr808", 25, 27, 87, "drums", is_drums=True, sustained=False, percussive=True),
    _i("jazz_kit", 32, 27, 87, "drums", is_drums=True, sustained=False, percussive=True),
    _i("brush_kit", 40, 27, 87, "drums", is_drums=True, sustained=False, percussive=True),
    _i("orchestral_kit", 48, 27, 87, "drums", is_drums=True, sustained=False, percussive=True),
)

INSTRUMENTS: dict[str, Instrument] = {inst.id: inst for inst in _CATALOGUE}


def instrument(id: str) -> Instrument:
    return INSTRUMENTS[id]
