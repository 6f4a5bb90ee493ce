"""The bench's measures (bench/analysis.py, bench/craft.py) on made-up inputs whose answer is known."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import mido
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import analysis  # noqa: E402
import craft  # noqa: E402

SR = 48_000


def _midi(parts: dict[str, list[tuple]], tempo: list[tuple[float, float]] = ((0, 120),), tpb: int = 1000,
          metre: tuple[int, int] = (4, 4), channels: dict[str, int] | None = None,
          controls: dict[str, list[tuple]] | None = None, bends: dict[str, list[tuple]] | None = None,
          programs: dict[str, int] | None = None) -> mido.MidiFile:
    """A type-1 file: a conductor (tempo changes at beats) and one track per part of (start, length, pitch[, vel])."""
    midi = mido.MidiFile(type=1, ticks_per_beat=tpb)

    def track(events: list[tuple[float, int, mido.Message]]) -> mido.MidiTrack:
        out, now = mido.MidiTrack(), 0
        for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
            out.append(message.copy(time=tick - now))
            now = tick
        return out

    conductor = [(0, 0, mido.MetaMessage("time_signature", numerator=metre[0], denominator=metre[1]))]
    conductor += [(round(b * tpb), 1, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))) for b, bpm in tempo]
    midi.tracks.append(track(conductor))
    for name, notes in parts.items():
        ch = (channels or {}).get(name, 0)
        events = [(0, 0, mido.MetaMessage("track_name", name=name)),
                  (0, 1, mido.Message("program_change", channel=ch, program=(programs or {}).get(name, 0)))]
        for start, length, pitch, *vel in notes:
            events.append((round(start * tpb), 3, mido.Message("note_on", channel=ch, note=pitch,
                                                               velocity=vel[0] if vel else 100)))
            events.append((round((start + length) * tpb), 2, mido.Message("note_off", channel=ch, note=pitch)))
        for beat, cc, value in (controls or {}).get(name, []):
            events.append((round(beat * tpb), 1, mido.Message("control_change", channel=ch, control=cc,
                                                              value=value)))
        for beat, value in (bends or {}).get(name, []):
            events.append((round(beat * tpb), 1, mido.Message("pitchwheel", channel=ch, pitch=value)))
        midi.tracks.append(track(events))
    return midi


def _info(roles: dict[str, str], **extra) -> dict:
    tracks = [{"name": n, "role": r, "program": 0, "drums": r in ("drums", "hand")} for n, r in roles.items()]
    return {"tracks": tracks, "metre": "4/4", **extra}


# -- mono ---------------------------------------------------------------------------------------------------------

def _analysis(audio: np.ndarray) -> analysis.Analysis:
    corr, loss = analysis.mono_measures(audio)
    return analysis.Analysis(SR, 2, 1.0, -14.0, -1.0, False, 0.0, 3.0, 120.0, (0, "major"), 0.1,
                             stereo_corr=corr, mono_loss_db=loss)


def test_mono_checks_fail_anti_phase_and_pass_in_phase():
    rng = np.random.default_rng(0)
    signal = rng.standard_normal(SR).astype(np.float32) * 0.1
    expect = {"min_stereo_corr": 0.2, "max_mono_loss_db": 3.0}
    in_phase = np.stack([signal, 0.8 * signal], axis=1)
    anti = np.stack([signal, -signal], axis=1)
    assert analysis.check(_analysis(in_phase), expect) == {"stereo_corr": True, "mono_loss": True}
    assert analysis.check(_analysis(anti), expect) == {"stereo_corr": False, "mono_loss": False}
    corr, loss = analysis.mono_measures(anti)
    assert corr == pytest.approx(-1.0) and loss == analysis.MONO_LOSS_CAP_DB
    # independent channels of equal power: no correlation, half the power gone in mono
    corr, loss = analysis.mono_measures(rng.standard_normal((SR, 2)))
    assert abs(corr) < 0.02 and loss == pytest.approx(10 * math.log10(2), abs=0.05)


def test_percussive_part_matches_librosa():
    import librosa

    t = np.arange(3 * 22_050) / 22_050
    clicks = (np.random.default_rng(3).standard_normal(t.size) * (np.mod(t, 0.5) < 0.02)).astype(np.float32)
    y = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32) + 0.2 * clicks
    y[:5000] = 0  # silence, where the soft mask splits evenly
    assert np.allclose(analysis.percussive(y), librosa.effects.percussive(y), atol=1e-5)


def test_fast_median_filter_matches_scipy():
    from scipy.ndimage import median_filter

    values = np.abs(np.random.default_rng(1).standard_normal((70, 90))).astype(np.float32)
    for axis, size in ((-1, (1, 31)), (-2, (31, 1))):
        assert np.array_equal(analysis._median_filter(values, 31, axis), median_filter(values, size=size,
                                                                                       mode="reflect"))


# -- timing -------------------------------------------------------------------------------------------------------

def test_kick_bass_spread_reads_milliseconds_through_the_tempo_map():
    # 120 BPM for four beats (a beat 500 ms), then 60 BPM (1000 ms): the bass is 10 ms late at both tempi
    kicks = [(b, 0.25, 36) for b in (0, 2, 4, 6)]
    bass = [(0.02, 1, 40), (2.02, 1, 40), (4.01, 1, 40), (6.01, 1, 40)]
    midi = _midi({"kit": kicks, "bass": bass}, tempo=[(0, 120), (4, 60)], channels={"kit": 9})
    figures, passes = craft.measure(_info({"kit": "drums", "bass": "bass"}), midi)
    mean_ms, max_ms, pairs = figures["kick_bass_ms"]
    assert pairs == 4 and mean_ms == pytest.approx(10.0, abs=0.01) and max_ms == pytest.approx(10.0, abs=0.01)
    assert passes["kick_bass_ms"] is False
    tight = craft.kick_bass_spread([0.0, 1.0], [0.001, 1.002, 3.0])
    assert tight.mean_ms == pytest.approx(1.5) and tight.pairs == 2
    assert craft.kick_bass_spread([0.0], [0.05]) is None  # 50 ms apart: not a shared beat


# -- melody and harmony -------------------------------------------------------------------------------------------

def _notes(*spec: tuple) -> list[craft.Note]:
    return [craft.Note(start, start + length, pitch, 100) for start, length, pitch in spec]


def test_clash_on_the_beat_counts_and_off_the_beat_does_not():
    chord = _notes((0, 4, 60), (0, 4, 64), (0, 4, 67))
    on_beat_clash = _notes((1, 0.5, 61))  # C# against C on beat 2
    off_beat_clash = _notes((1.5, 0.5, 61))
    ninth = _notes((2, 0.5, 73))  # a minor ninth above C
    major_seventh = _notes((3, 0.5, 71))  # B against C: a maj7 colour, not a clash
    assert craft.on_beat_clashes(on_beat_clash, chord) == (1, 1, 1)
    assert craft.on_beat_clashes(off_beat_clash, chord) == (0, 0, 1)
    assert craft.on_beat_clashes(ninth, chord)[0] == 1
    assert craft.on_beat_clashes(major_seventh, chord)[0] == 0
    # a note that has stopped sounding does not clash
    assert craft.on_beat_clashes(_notes((3, 0.5, 61)), _notes((0, 2, 60)))[0] == 0


def test_beats_of_a_compound_metre_are_dotted_quarters():
    # 6/8: beats at 0 and 1.5 quarter notes; quarter 1.0 is the third eighth, off the beat
    chord = [(0, 3, 60), (0, 3, 64)]
    for start, counted in ((1.5, 1), (1.0, 0)):
        midi = _midi({"tune": [(start, 0.5, 61)], "keys": chord}, metre=(6, 8))
        figures, _ = craft.measure(_info({"tune": "melody", "keys": "harmony"}), midi)
        assert figures["clashes"][:2] == (counted, counted)


def test_same_rhythm_every_bar_is_one_distinct_rhythm():
    bars = 8
    same = [bar * 4 + t for bar in range(bars) for t in (0, 1, 1.5, 3)]
    assert craft.distinct_bar_rhythms(same, 4.0) == (1, bars)
    # small timing offsets stay on the grid; a pickup a hair early still belongs to its bar
    jittered = [t + (0.01 if i % 2 else -0.01) for i, t in enumerate(same)]
    assert craft.distinct_bar_rhythms(jittered, 4.0) == (1, bars)
    varied = same + [2 * 4 + 2.5, 5 * 4 + 0.5]
    assert craft.distinct_bar_rhythms(varied, 4.0) == (3, bars)


def test_bass_on_the_root_and_on_the_third():
    chords = [(0.0, 4.0, 0), (4.0, 4.0, 7)]  # C, G
    on_root = _notes((0, 1, 36), (1, 1, 43), (4, 1, 43), (5, 1, 38))
    on_third = _notes((0, 1, 40), (4, 1, 47))  # E under C, B under G
    assert craft.bass_off_root(on_root, chords, 4.0) == (0, 2)
    assert craft.bass_off_root(on_third, chords, 4.0) == (2, 2)
    assert craft.parse_root("Bb/D") == 10 and craft.parse_root("F#m7") == 6 and craft.parse_root("N.C.") is None


def test_chords_from_the_plan_spread_over_each_section():
    tempo = craft.TempoMap([(0.0, 120.0)])
    info = {"metre": "4/4", "plan": {"sections": [{"name": "verse", "start": 4.0, "bars": 4, "chords": ["Am", "F"]}]}}
    assert craft.chord_spans(info, tempo) == ([(8.0, 8.0, 9), (16.0, 8.0, 5)], False)  # 4 s at 120 BPM: beat 8
    listed = {"chords": [{"start": 0, "length": 4, "root": 2, "symbol": "Dm"}, {"start": 4, "length": 4,
                                                                              "symbol": "G/B"}]}
    assert craft.chord_spans(listed, tempo) == ([(0.0, 4.0, 2), (4.0, 4.0, 7)], True)
    assert craft.chord_spans({"metre": "4/4"}, tempo) is None


# -- drums, expression, dynamics ----------------------------------------------------------------------------------

def test_crash_mid_section_is_flagged():
    sections = [{"name": "verse", "start": 0.0, "length": 16.0}, {"name": "chorus", "start": 16.0, "length": 16.0}]
    kit = [(0, 0.5, 49), (0, 0.5, 57), (16.01, 0.5, 49), (24, 0.5, 49), (28, 0.5, 36)]
    midi = _midi({"kit": kit}, channels={"kit": 9})
    figures, passes = craft.measure(_info({"kit": "drums"}, sections=sections, duration=16.0), midi)
    off, hits, per_minute = figures["crashes_off"]
    assert (off, hits) == (1, 3) and per_minute == pytest.approx(3 / (16 / 60))
    assert passes["crashes_off"] is False
    # the final bar's downbeat is a place for a crash too
    assert craft.crash_placement([0.0, 28.0], [0.0, 16.0, 28.0]) == (0, 2)


def test_expression_curves_need_changes_beyond_the_setup():
    setup = [(0.0, 11, 127), (0.0, 7, 100)]
    assert craft.expression_changes(setup) == 0
    assert craft.expression_changes(setup + [(4.0, 11, 90), (5.0, 11, 110), (6.0, 11, 110)]) == 2
    assert craft.expression_changes([(2.0, 1, 40), (3.0, 1, 0)]) == 2
    assert craft.is_sustained(48) and craft.is_sustained(73) and craft.is_sustained(89)
    assert not craft.is_sustained(0) and not craft.is_sustained(46) and not craft.is_sustained(33)
    assert craft.is_sustained(120, role="pad")


def test_expression_curves_read_from_the_file():
    notes = {"strings": [(0, 8, 60)], "pad": [(0, 8, 64)], "piano": [(0, 8, 67)]}
    programs = {"strings": 48, "pad": 89, "piano": 0}
    controls = {"strings": [(0, 11, 127), (1, 11, 80), (2, 11, 100), (3, 11, 120)], "pad": [(0, 11, 127)]}
    midi = _midi(notes, programs=programs, controls=controls)
    figures, passes = craft.measure(_info({"strings": "pad", "pad": "pad", "piano": "harmony"}), midi)
    assert figures["expression"] == (1, 2) and passes["expression"] is False  # the piano is not sustained


def test_bends_and_velocity_jumps_read_from_the_file():
    notes = [(b, 1, 60, 60 if b < 8 else 90) for b in range(16)]
    midi = _midi({"lead": notes}, bends={"lead": [(4.0, 0), (4.5, 2000), (5.0, 0)]})
    figures, passes = craft.measure(_info({"lead": "melody"}), midi, style=type("S", (), {"bends": {"guitar"}}))
    assert figures["bends"] == (["guitar"], ["lead"]) and passes["bends"] is True
    assert figures["velocity_jump"] == pytest.approx(30.0) and passes["velocity_jump"] is False
    flat = _midi({"lead": [(b, 1, 60) for b in range(16)]}, bends={"lead": [(0.0, 0)]})
    figures, passes = craft.measure(_info({"lead": "melody"}), flat, style=type("S", (), {"bends": {"guitar"}}))
    assert figures["bends"][1] == [] and passes["bends"] is False and figures["velocity_jump"] == 0


def test_named_instruments_play_and_negated_ones_do_not():
    midi = _midi({"banjo": [(b, 1, 60) for b in range(12)], "fiddle": [(0, 1, 67), (1, 1, 69)],
                  "drum_kit": [(b, 1, 36) for b in range(8)]}, channels={"drum_kit": 9})
    tracks = [{"name": "banjo", "role": "melody", "instrument": "banjo", "named": True},
              {"name": "fiddle", "role": "counter", "instrument": "fiddle", "named": True},
              {"name": "drum_kit", "role": "drums", "instrument": "drum_kit", "named": False, "drums": True}]
    piece = craft.read_midi(midi, tracks)
    result = craft.named_instruments(piece, {"instruments": ["banjo", "fiddle"], "avoid": ["drum_kit", "piano"]})
    assert result.silent == ("fiddle",) and result.playing_avoided == ("drum_kit",)


# -- audio --------------------------------------------------------------------------------------------------------

def test_named_level_against_the_lead():
    rng = np.random.default_rng(2)
    lead = rng.standard_normal((SR * 2, 2)).astype(np.float32) * 0.2
    quiet = lead * 0.5
    quiet[: SR // 2] = 0  # silence is left out, not averaged in
    assert analysis.level_against_lead_db(quiet, lead, SR) == pytest.approx(-6.02, abs=0.05)
    as_int16 = (quiet * 32768).astype(np.int16)
    assert analysis.level_against_lead_db(as_int16, lead, SR) == pytest.approx(-6.02, abs=0.05)
    assert analysis.stem_peak(np.array([[32767, -32768]], dtype=np.int16)) == 1.0


def test_drop_louder_than_breakdown():
    audio = np.full((SR * 4, 2), 0.05, dtype=np.float32)
    audio[SR * 2:] = 0.2
    assert analysis.drop_lift_db(audio, SR, [(2.0, 4.0)], [(0.0, 2.0)]) == pytest.approx(20 * math.log10(4), abs=0.01)
    assert analysis.drop_lift_db(audio, SR, [], [(0.0, 2.0)]) is None


def _closing_fade(audio: np.ndarray) -> np.ndarray:
    """A master's one-second raised-cosine fade at the very end, applied to any ending."""
    k = np.arange(SR)
    audio[-SR:] *= (0.5 * (1 + np.cos(np.pi * k / (SR - 1))))[:, None]
    return audio


def test_a_decay_ending_passes_and_a_faded_held_chord_does_not():
    t = np.arange(SR * 6) / SR
    tone = np.sin(2 * np.pi * 220 * t)[:, None].repeat(2, axis=1)
    hit = 1.5  # the final hit, seconds
    decay = _closing_fade(tone * np.where(t < hit, 0.3, 0.5 * np.exp(-(t - hit) * 2.3))[:, None])
    held = _closing_fade(tone * 0.3)  # a held chord, cut by the closing fade alone
    faded = _closing_fade(tone * (0.3 * np.clip((6.0 - t) / 3.0, 0, 1))[:, None])  # a held chord, faded out
    decaying = analysis.ending_shape(decay, SR, final_onset=hit)
    assert decaying.falls and decaying.decay_db > 20 and decaying.decays
    for ending in (held, faded):
        shape = analysis.ending_shape(ending, SR, final_onset=hit)
        assert shape.falls and shape.decay_db < 9 and not shape.decays
    # a long linear fade goes deep enough before the last second, but along a straight line in amplitude
    t10 = np.arange(SR * 10) / SR
    tone10 = np.sin(2 * np.pi * 220 * t10)[:, None].repeat(2, axis=1)
    long_fade = _closing_fade(tone10 * (0.3 * np.clip((10.0 - t10) / 7.0, 0, 1))[:, None])
    shape = analysis.ending_shape(long_fade, SR, final_onset=1.0)
    assert shape.decay_db > 10 and shape.ramp and not shape.decays
    slow_decay = _closing_fade(tone10 * (0.3 * np.exp(-np.clip(t10 - 3.0, 0, None) * 0.8))[:, None])
    shape = analysis.ending_shape(slow_decay, SR, final_onset=1.0)
    assert shape.decay_db > 10 and not shape.ramp and shape.decays
    # a last second that swells instead of falling is no ending either ...
    swell = decay.copy()
    swell[-SR // 2:] = 0.2 * tone[-SR // 2:]
    assert not analysis.ending_shape(swell, SR, final_onset=hit).decays
    # ... unless what swells is a noise floor far under the music (vinyl crackle after the tail)
    floor = decay + np.random.default_rng(4).standard_normal(decay.shape) * 3e-4 * (t > 4.5)[:, None]
    shape = analysis.ending_shape(floor, SR, final_onset=hit)
    assert not shape.falls and shape.decay_db > 30 and shape.decays
    # a final onset too late to ring out leaves nothing to judge the decay on
    assert analysis.ending_shape(decay, SR, final_onset=5.2).decay_db is None
