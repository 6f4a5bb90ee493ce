"""The instrument catalogue: every General MIDI program by name, sensible ranges, the words for kinds and categories,
and every program, kit and hand-percussion key sounding in the installed SoundFont."""

from __future__ import annotations

import re
import struct
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from orchestrion.engines.composer.instruments import (
    CATEGORY_WORDS,
    GENERAL_WORDS,
    INSTRUMENTS,
    PERCUSSION,
    by_program,
    instrument,
)

# The General MIDI Level 1 sound set as the MIDI Manufacturers Association spells it, program 0 first.
GM_PROGRAM_NAMES = (
    "Acoustic Grand Piano", "Bright Acoustic Piano", "Electric Grand Piano", "Honky-tonk Piano", "Electric Piano 1",
    "Electric Piano 2", "Harpsichord", "Clavi", "Celesta", "Glockenspiel", "Music Box", "Vibraphone", "Marimba",
    "Xylophone", "Tubular Bells", "Dulcimer", "Drawbar Organ", "Percussive Organ", "Rock Organ", "Church Organ",
    "Reed Organ", "Accordion", "Harmonica", "Tango Accordion", "Acoustic Guitar (nylon)", "Acoustic Guitar (steel)",
    "Electric Guitar (jazz)", "Electric Guitar (clean)", "Electric Guitar (muted)", "Overdriven Guitar",
    "Distortion Guitar", "Guitar harmonics", "Acoustic Bass", "Electric Bass (finger)", "Electric Bass (pick)",
    "Fretless Bass", "Slap Bass 1", "Slap Bass 2", "Synth Bass 1", "Synth Bass 2", "Violin", "Viola", "Cello",
    "Contrabass", "Tremolo Strings", "Pizzicato Strings", "Orchestral Harp", "Timpani", "String Ensemble 1",
    "String Ensemble 2", "SynthStrings 1", "SynthStrings 2", "Choir Aahs", "Voice Oohs", "Synth Voice",
    "Orchestra Hit", "Trumpet", "Trombone", "Tuba", "Muted Trumpet", "French Horn", "Brass Section", "SynthBrass 1",
    "SynthBrass 2", "Soprano Sax", "Alto Sax", "Tenor Sax", "Baritone Sax", "Oboe", "English Horn", "Bassoon",
    "Clarinet", "Piccolo", "Flute", "Recorder", "Pan Flute", "Blown Bottle", "Shakuhachi", "Whistle", "Ocarina",
    "Lead 1 (square)", "Lead 2 (sawtooth)", "Lead 3 (calliope)", "Lead 4 (chiff)", "Lead 5 (charang)",
    "Lead 6 (voice)", "Lead 7 (fifths)", "Lead 8 (bass + lead)", "Pad 1 (new age)", "Pad 2 (warm)",
    "Pad 3 (polysynth)", "Pad 4 (choir)", "Pad 5 (bowed)", "Pad 6 (metallic)", "Pad 7 (halo)", "Pad 8 (sweep)",
    "FX 1 (rain)", "FX 2 (soundtrack)", "FX 3 (crystal)", "FX 4 (atmosphere)", "FX 5 (brightness)",
    "FX 6 (goblins)", "FX 7 (echoes)", "FX 8 (sci-fi)", "Sitar", "Banjo", "Shamisen", "Koto", "Kalimba",
    "Bag pipe", "Fiddle", "Shanai", "Tinkle Bell", "Agogo", "Steel Drums", "Woodblock", "Taiko Drum",
    "Melodic Tom", "Synth Drum", "Reverse Cymbal", "Guitar Fret Noise", "Breath Noise", "Seashore", "Bird Tweet",
    "Telephone Ring", "Helicopter", "Applause", "Gunshot",
)
# The spellings people type for the two names GM runs together.
TYPED_SPELLINGS = {"synth strings 1": 50, "synth strings 2": 51, "synth brass 1": 62, "synth brass 2": 63,
                   "bagpipe": 109}

# Ids other modules and saved briefs already use, with the program each plays.
EXISTING = {
    "piano": 0, "bright_piano": 1, "electric_grand": 2, "honky_tonk": 3, "rhodes": 4, "fm_piano": 5,
    "harpsichord": 6, "clavinet": 7, "celesta": 8, "glockenspiel": 9, "music_box": 10, "vibraphone": 11,
    "marimba": 12, "xylophone": 13, "tubular_bells": 14, "organ": 16, "percussive_organ": 17, "rock_organ": 18,
    "church_organ": 19, "accordion": 21, "harmonica": 22, "bandoneon": 23, "nylon_guitar": 24, "steel_guitar": 25,
    "jazz_guitar": 26, "clean_guitar": 27, "muted_guitar": 28, "overdrive_guitar": 29, "distortion_guitar": 30,
    "acoustic_bass": 32, "electric_bass": 33, "pick_bass": 34, "fretless_bass": 35, "slap_bass": 36,
    "synth_bass": 38, "sub_bass": 39, "violin": 40, "viola": 41, "cello": 42, "contrabass": 43,
    "tremolo_strings": 44, "pizzicato": 45, "harp": 46, "timpani": 47, "strings": 48, "slow_strings": 49,
    "synth_strings": 50, "choir": 52, "voice": 53, "orchestra_hit": 55, "trumpet": 56, "trombone": 57, "tuba": 58,
    "muted_trumpet": 59, "french_horn": 60, "brass": 61, "synth_brass": 62, "soprano_sax": 64, "alto_sax": 65,
    "tenor_sax": 66, "baritone_sax": 67, "oboe": 68, "english_horn": 69, "bassoon": 70, "clarinet": 71,
    "piccolo": 72, "flute": 73, "recorder": 74, "pan_flute": 75, "whistle": 78, "ocarina": 79, "square_lead": 80,
    "saw_lead": 81, "synth_lead": 87, "new_age_pad": 88, "warm_pad": 89, "poly_pad": 90, "choir_pad": 91,
    "bowed_pad": 92, "halo_pad": 94, "sweep_pad": 95, "atmosphere": 99, "sitar": 104, "banjo": 105, "koto": 107,
    "kalimba": 108, "bagpipe": 109, "fiddle": 110, "steel_drums": 114,
}
KITS = {"drum_kit": 0, "room_kit": 8, "power_kit": 16, "electronic_kit": 24, "tr808": 25, "jazz_kit": 32,
        "brush_kit": 40, "orchestral_kit": 48}
ROLES = {"melody", "counter", "doubling", "harmony", "pad", "arp", "bass", "percussion", "fx"}
GM_FAMILIES = ("piano", "chromatic_percussion", "organ", "guitar", "bass", "strings", "ensemble", "brass", "reed",
               "pipe", "synth_lead", "synth_pad", "synth_effects", "ethnic", "percussive", "sound_effects")
CATEGORIES = {"keyboards", "synths", "horns", "brass", "strings", "woodwinds", "percussion", "drums", "guitars",
              "bass", "voices", "mallets", "plucked", "bowed", "electronic", "orchestral"}
HAND_IDS = {"congas", "bongos", "timbales", "cowbell", "claves", "shaker", "maracas", "tambourine", "claps", "guiro",
            "cabasa", "agogo", "triangle", "woodblock", "castanets", "cuica", "whistle_perc", "tabla", "dhol",
            "djembe", "cajon", "bodhran", "shekere", "guira", "surdo", "vibraslap", "finger_snaps"}
# GM uses these two words for a program and for drum keys; in a prompt they name the hand-percussion voice.
SHARED_WITH_PERCUSSION = {"agogo", "woodblock"}

MELODIC = [i for i in INSTRUMENTS.values() if not i.is_drums]
ALL_NAMES = {name: inst.id for inst in INSTRUMENTS.values() for name in inst.names}


def fold(text: str) -> str:
    """A prompt as the interpreter reads it: accents stripped, lower case, -_/ as spaces, other marks dropped."""
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    text = re.sub(r"[-_/]", " ", text)
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split())


# --- names --------------------------------------------------------------------------------------------------------

def test_every_gm_program_has_an_instrument():
    assert {i.program for i in MELODIC} == set(range(128))
    assert len(GM_PROGRAM_NAMES) == 128


@pytest.mark.parametrize("program", range(128))
def test_the_gm_name_finds_an_instrument_of_that_program(program):
    name = fold(GM_PROGRAM_NAMES[program])
    assert name in ALL_NAMES, name
    assert INSTRUMENTS[ALL_NAMES[name]].program == program
    assert name in by_program(program).names
    assert by_program(program).bank == 0


def test_typed_spellings_of_gm_names_find_their_program():
    for name, program in TYPED_SPELLINGS.items():
        assert INSTRUMENTS[ALL_NAMES[name]].program == program


def test_everyday_names_reach_the_right_instrument():
    cases = {
        "accordeon": "accordion", "fender rhodes": "rhodes", "taiko": "taiko", "ukulele": "ukulele",
        "mandolin": "mandolin", "erhu": "erhu", "guzheng": "guzheng", "harmonium": "harmonium",
        "steel pan": "steel_drums", "pedal steel": "pedal_steel", "tin whistle": "tin_whistle",
        "uilleann pipes": "uilleann_pipes", "hang drum": "handpan", "808": "sub_bass", "tr 808": "tr808",
        "303": "acid_bass", "supersaw": "supersaw", "log drum": "log_drum", "guitarron": "guitarron",
        "theremin": "theremin", "violon": "violin", "fagott": "bassoon", "cor anglais": "english_horn",
    }
    for name, expected in cases.items():
        assert ALL_NAMES.get(name) == expected, name
    # instruments GM lacks borrow the nearest program
    assert instrument("guzheng").program == instrument("koto").program == 107
    assert instrument("ukulele").program == 24 and instrument("harmonium").program == 20
    assert instrument("guitarron").program == 32


def test_names_are_folded_short_and_claimed_once():
    seen: dict[str, str] = {}
    for inst in INSTRUMENTS.values():
        for name in inst.names:
            assert name == fold(name), name
            assert len(name.split()) <= 4, name  # the interpreter matches phrases of up to four words
            assert seen.setdefault(name, inst.id) == inst.id, f"{name!r}: {seen[name]} and {inst.id}"
    hand: dict[str, str] = {}
    for voice in PERCUSSION.values():
        for name in voice.names:
            assert name == fold(name), name
            assert hand.setdefault(name, voice.id) == voice.id, name
    assert set(seen) & set(hand) == SHARED_WITH_PERCUSSION
    for word in list(GENERAL_WORDS) + list(CATEGORY_WORDS):
        assert word == fold(word), word
    # a word that could mean several instruments is a general word, never also a specific name
    assert not set(GENERAL_WORDS) & (set(seen) | set(hand))


def test_existing_ids_keep_their_programs():
    for id, program in EXISTING.items():
        assert instrument(id).program == program and not instrument(id).is_drums, id
    assert by_program(48).id == "strings" and by_program(0).id == "piano"
    with pytest.raises(ValueError):
        by_program(128)


# --- ranges, roles and families -----------------------------------------------------------------------------------

def test_ranges_are_playable():
    for inst in INSTRUMENTS.values():
        assert 0 <= inst.low < inst.high <= 127, inst.id
        if inst.gm_family != "sound_effects":
            assert inst.high - inst.low >= 12, inst.id


def test_acoustic_ranges_are_the_real_ones():
    lowest = {"piano": 21, "violin": 55, "viola": 48, "cello": 36, "contrabass": 28, "nylon_guitar": 40,
              "acoustic_bass": 28, "electric_bass": 28, "flute": 60, "clarinet": 50, "trumpet": 54, "tuba": 28,
              "bassoon": 34, "alto_sax": 49, "tenor_sax": 44, "oboe": 58}
    for id, low in lowest.items():
        assert instrument(id).low == low, id
    assert instrument("piano").high == 108
    assert instrument("piccolo").low > instrument("flute").low > instrument("bass_clarinet").low


def test_roles_families_and_categories_come_from_the_fixed_vocabularies():
    for inst in INSTRUMENTS.values():
        assert inst.roles and len(set(inst.roles)) == len(inst.roles), inst.id
        assert inst.categories <= CATEGORIES, inst.id
        if inst.is_drums:
            assert inst.roles == ("drums",) and inst.gm_family == "drum_kit" and inst.bank == 128
            continue
        assert set(inst.roles) <= ROLES, inst.id
        assert inst.gm_family == GM_FAMILIES[inst.program // 8], inst.id
    for program in range(120, 128):
        assert by_program(program).roles == ("fx",)
    assert instrument("sub_bass").roles[0] == "bass" and instrument("strings").roles[0] == "pad"


# --- words for kinds and categories -------------------------------------------------------------------------------

def test_general_words_offer_several_known_candidates():
    for word, ids in GENERAL_WORDS.items():
        assert len(ids) >= 2 and len(set(ids)) == len(ids), word
        assert all(i in INSTRUMENTS for i in ids), word
    assert GENERAL_WORDS["guitar"][0] == "clean_guitar"
    assert set(GENERAL_WORDS["guitar"]) <= CATEGORY_WORDS["guitars"]
    assert GENERAL_WORDS["bass"][0] == "electric_bass"
    assert set(GENERAL_WORDS["sax"]) == {"soprano_sax", "alto_sax", "tenor_sax", "baritone_sax"}
    assert "french_horn" in GENERAL_WORDS["horns"] and "tenor_sax" in GENERAL_WORDS["horns"]


def test_category_words_name_their_members():
    known = set(INSTRUMENTS) | set(PERCUSSION)
    for word, members in CATEGORY_WORDS.items():
        assert members and members <= known, word
    assert {"piano", "rhodes", "organ", "harpsichord"} <= CATEGORY_WORDS["keyboards"]
    assert CATEGORY_WORDS["keys"] == CATEGORY_WORDS["keyboards"]
    assert not {"accordion", "synth_bass", "drum_kit"} & CATEGORY_WORDS["keyboards"]
    assert {"trumpet", "trombone", "french_horn", "alto_sax", "tenor_sax"} <= CATEGORY_WORDS["horns"]
    assert "alto_sax" not in CATEGORY_WORDS["brass"] and "flute" not in CATEGORY_WORDS["horns"]
    assert {"violin", "cello", "strings", "pizzicato"} <= CATEGORY_WORDS["strings"]
    assert not {"clean_guitar", "harp"} & CATEGORY_WORDS["strings"]
    assert set(KITS) <= CATEGORY_WORDS["drums"] and HAND_IDS <= CATEGORY_WORDS["drums"]
    assert {"timpani", "congas", "marimba", "drum_kit"} <= CATEGORY_WORDS["percussion"]
    assert {"flute", "clarinet", "trumpet"} <= CATEGORY_WORDS["winds"]
    assert {"choir", "voice"} <= CATEGORY_WORDS["vocals"]
    assert {"saw_lead", "warm_pad", "synth_bass"} <= CATEGORY_WORDS["synths"]
    assert "piano" not in CATEGORY_WORDS["synths"] and "tr808" in CATEGORY_WORDS["electronic"]
    assert set(CATEGORY_WORDS["sound effects"]) >= {"seashore", "applause", "gunshot"}


# --- hand percussion ----------------------------------------------------------------------------------------------

def test_hand_percussion_voices_and_keys():
    assert HAND_IDS <= set(PERCUSSION)
    for voice in PERCUSSION.values():
        assert voice.keys and all(27 <= k <= 87 for k in voice.keys), voice.id
        assert len(voice.gm_note_names) == len(voice.keys) and voice.names, voice.id
    assert {"hand claps", "handclaps", "palmas", "clapping"} <= set(PERCUSSION["claps"].names)
    assert PERCUSSION["congas"].gm_note_names[0] == "Open Hi Conga"
    assert PERCUSSION["cowbell"].keys == (56,) and PERCUSSION["claves"].keys == (75,)


# --- against the installed SoundFont ------------------------------------------------------------------------------

def _presets(path: Path) -> set[tuple[int, int]]:
    """(bank, program) of every preset in a SoundFont 2 file, read from its preset headers."""
    with path.open("rb") as f:
        riff, _, form = struct.unpack("<4sI4s", f.read(12))
        assert riff == b"RIFF" and form == b"sfbk"
        while header := f.read(8):
            tag, size = struct.unpack("<4sI", header)
            if tag != b"LIST":
                f.seek(size + size % 2, 1)
                continue
            if f.read(4) != b"pdta":
                f.seek(size - 4 + size % 2, 1)
                continue
            pdta = f.read(size - 4)
            at = pdta.index(b"phdr")
            (length,) = struct.unpack_from("<I", pdta, at + 4)
            records = range(at + 8, at + 8 + length - 38, 38)  # the last record is the terminal "EOP"
            return {struct.unpack_from("<HH", pdta, r + 20)[::-1] for r in records}
    raise AssertionError("no preset headers")


def test_every_kit_and_variation_sound_exists_in_the_soundfont(soundfont):
    presets = _presets(soundfont.path)
    for inst in INSTRUMENTS.values():
        assert (inst.bank, inst.program) in presets, inst.id
    assert {(128, p) for p in KITS.values()} <= presets
    assert {(inst.id, inst.program) for inst in INSTRUMENTS.values() if inst.is_drums} == set(KITS.items())


def test_every_program_range_and_hand_percussion_key_sounds(soundfont):
    def level(synth, drums: bool, bank: int, program: int, key: int) -> float:
        synth.reset(reverb=(0.0, 0.0, 0.0, 0.0), chorus=False)
        synth.set_drums(0, drums)
        synth.program(0, bank, program)
        synth.note_on(0, key, 100)
        out = np.zeros((4800, 2), np.float32)
        synth.write(out)
        return float(np.sqrt(np.mean(out**2)))

    silent = []
    with soundfont.synth() as synth:
        for inst in MELODIC:
            silent += [(inst.id, key) for key in (inst.low, inst.high)
                       if level(synth, False, inst.bank, inst.program, key) < 1e-3]
        for voice in PERCUSSION.values():
            silent += [(voice.id, key) for key in voice.keys if level(synth, True, 128, 0, key) < 1e-3]
    assert not silent
