"""The performance layer: what a listener notices — the pocket, the kick and bass as one, dynamics that breathe
instead of stepping, calm prompts staying calm, ghost notes, swells, pedalling, legato, staccato, strums, bends."""

from __future__ import annotations

import random
import statistics

import pytest

from orchestrion.engines.composer.perform import perform
from orchestrion.engines.composer.score import ChordSpan, Note, Score, Section, TempoChange, Track
from orchestrion.engines.composer.styles import STYLES, Style

BPM = 100.0
MS_PER_BEAT = 60000.0 / BPM
KICK, SNARE, HAT = 36, 38, 42


def _style(**fields: object) -> Style:
    base = dict(name="test", tempo=(BPM, BPM), major=("I IV V I",), minor=("i iv V i",), ensemble={},
                family="pop", humanize_ms=0.0)
    base.update(fields)
    return Style(**base)  # type: ignore[arg-type]


def _score(tracks: list[Track], bars: int = 8, sections: list[Section] | None = None, energy: float = 0.6,
           chords: list[ChordSpan] | None = None) -> Score:
    return Score(
        tempo=[TempoChange(0.0, BPM)], time_signature=(4, 4), key_tonic=0, key_mode="major", tracks=tracks,
        sections=sections or [Section("verse", 0.0, bars * 4.0, 0.6)], length_beats=bars * 4.0,
        chords=chords or [], energy=energy,
    )


def _kit(bars: int, ghosts: bool = False) -> Track:
    kit = Track("drums", "drums", 0, is_drums=True, instrument="drum_kit")
    for bar in range(bars):
        b = bar * 4.0
        kit.notes += [Note(b + k * 0.5, 0.25, HAT, 100 if k % 2 == 0 else 80) for k in range(8)]
        kit.notes += [Note(b, 0.25, KICK, 110), Note(b + 2.5, 0.25, KICK, 100)]
        kit.notes += [Note(b + 1, 0.25, SNARE, 120), Note(b + 3, 0.25, SNARE, 120)]
        if ghosts:
            kit.notes += [Note(b + 1.75, 0.25, SNARE, 30), Note(b + 3.75, 0.25, SNARE, 30)]
    return kit


def _bass(bars: int) -> Track:
    bass = Track("bass", "bass", 33, instrument="electric_bass")
    for bar in range(bars):
        b = bar * 4.0
        bass.notes += [Note(b, 1.0, 36, 100), Note(b + 1.5, 0.5, 40, 60), Note(b + 2.5, 1.0, 43, 100)]
    return bass


def _offsets_ms(track: Track, pitch: int) -> list[tuple[int, float]]:
    """(bar, ms from the nearest eighth-note grid line) for each note of ``pitch``."""
    out = []
    for n in track.notes:
        if n.pitch == pitch:
            grid = round(n.start * 2) / 2
            out.append((int(grid // 4), (n.start - grid) * MS_PER_BEAT))
    return out


def _bar_means(track: Track, bars: int) -> list[float]:
    means = []
    for bar in range(bars):
        vs = [n.velocity for n in track.notes if bar * 4 <= n.start + 0.05 < (bar + 1) * 4]
        means.append(statistics.mean(vs))
    return means


# timing -----------------------------------------------------------------------------------------------------------

def test_snare_sits_back_by_the_pocket_in_every_bar_and_hats_push() -> None:
    style = _style(family="soul", humanize_ms=10.0, pocket=(("snare", 8.0), ("hat", -3.0)))
    score = perform(_score([_kit(8), _bass(8)]), style, random.Random(3))
    kit = score.tracks[0]
    per_bar = {}
    for bar, ms in _offsets_ms(kit, SNARE):
        per_bar.setdefault(bar, []).append(ms)
    means = [statistics.mean(v) for v in per_bar.values()]
    assert all(abs(m - 8.0) < 2.5 for m in means), means
    assert statistics.pstdev(means) < 1.5
    hats = [ms for _, ms in _offsets_ms(kit, HAT)]
    assert -5.5 < statistics.mean(hats) < -0.5
    # patterned, not random: a hat at the same place in the bar moves the same way in every bar (up to the drift)
    first_beat = [ms for bar, ms in _offsets_ms(kit, HAT) if bar in (2, 3)]
    assert len(set(round(x) for x in first_beat)) < len(first_beat)


def test_bass_lands_with_the_kick() -> None:
    style = _style(family="classical", humanize_ms=12.0, pocket=(("bass", 9.0),))
    score = perform(_score([_kit(8), _bass(8)]), style, random.Random(1))
    kit, bass = score.tracks
    kicks = {round(n.start * 2) / 2: n.start for n in kit.notes if n.pitch == KICK}
    shared = [(kicks[round(n.start * 2) / 2], n.start) for n in bass.notes if round(n.start * 2) / 2 in kicks
              and n.pitch in (36, 43)]
    assert len(shared) == 16
    assert max(abs(k - b) * MS_PER_BEAT for k, b in shared) < 3.0
    # the bass note between kicks keeps its own (late) pocket
    off = [n.start for n in bass.notes if n.pitch == 40]
    assert statistics.mean((t - round(t * 2) / 2) * MS_PER_BEAT for t in off) > 3.0


def test_swing_moves_offbeat_eighths_to_the_ratio() -> None:
    style = _style(family="electronic", swing=0.64)
    melody = Track("lead", "melody", 73, instrument="flute",
                   notes=[Note(b * 0.5, 0.5, 72 + b % 5, 100) for b in range(16)])
    score = perform(_score([melody], bars=2), style, random.Random(0))
    for n in score.tracks[0].notes:
        beat, within = divmod(n.start + 1e-9, 1.0)
        assert within == pytest.approx(0.0, abs=1e-4) or within == pytest.approx(0.64, abs=1e-4)
    assert sum(1 for n in score.tracks[0].notes if abs(n.start % 1.0 - 0.64) < 1e-4) == 8


def test_quantised_styles_stay_on_the_grid() -> None:
    score = perform(_score([_kit(4), _bass(4)], bars=4), STYLES["house"], random.Random(2))
    for track in score.tracks:
        assert all(abs(n.start * 4 - round(n.start * 4)) < 1e-6 for n in track.notes)


# dynamics ---------------------------------------------------------------------------------------------------------

def _arc_score(energy: float) -> Score:
    melody = Track("lead", "melody", 40, instrument="violin")
    pad = Track("pad", "pad", 89, instrument="warm_pad")
    for bar in range(16):
        b = bar * 4.0
        melody.notes += [Note(b + k, 1.0, 72 + (k + bar) % 5, 127 if k == 0 else 100) for k in range(4)]
        pad.notes += [Note(b, 4.0, p, 100) for p in (60, 64, 67)]
    sections = [Section("verse", 0.0, 24.0, 0.3), Section("chorus", 24.0, 24.0, 1.0),
                Section("breakdown", 48.0, 16.0, 0.2)]
    return _score([melody, pad, _kit(16, ghosts=True)], bars=16, sections=sections, energy=energy)


def test_dynamics_move_smoothly_across_sections() -> None:
    score = perform(_arc_score(0.9), _style(), random.Random(4))
    for track in score.tracks:
        means = _bar_means(track, 16)
        steps = [abs(b - a) for a, b in zip(means, means[1:])]
        assert max(steps) <= 12.0, (track.name, [round(m) for m in means])
        assert means[8] > means[0] + 10  # the chorus really is louder
        assert means[15] < means[8] - 10  # and the breakdown softer


def test_calm_prompts_peak_lower_than_energetic_ones() -> None:
    calm = perform(_arc_score(0.3), _style(humanize_ms=10.0), random.Random(4))
    loud = perform(_arc_score(0.9), _style(humanize_ms=10.0), random.Random(4))
    peak_calm = max(n.velocity for t in calm.tracks for n in t.notes)
    peak_loud = max(n.velocity for t in loud.tracks for n in t.notes)
    assert peak_calm <= 90  # even the accented climax of a calm piece stays gentle
    assert peak_loud > peak_calm + 20
    assert max(n.velocity for n in loud.tracks[0].notes) >= 105


def test_ghost_notes_stay_ghosts() -> None:
    for energy in (0.1, 0.9):
        kit = perform(_arc_score(energy), _style(humanize_ms=8.0), random.Random(5)).tracks[2]
        ghosts = [n.velocity for n in kit.notes if n.pitch == SNARE and 0.6 < n.start % 1.0 < 0.9]
        backbeats = [n.velocity for n in kit.notes if n.pitch == SNARE and not 0.1 < n.start % 1.0 < 0.9]
        assert ghosts and all(25 <= v <= 40 for v in ghosts)
        assert min(backbeats) > max(ghosts)


def test_phrases_rise_and_fall() -> None:
    melody = Track("lead", "melody", 73, instrument="flute",
                   notes=[Note(b * 1.0, 1.0, 72, 100) for b in range(32)])
    score = perform(_score([melody]), _style(), random.Random(0))
    means = _bar_means(score.tracks[0], 8)
    for phrase in (means[:4], means[4:]):
        assert phrase[2] > phrase[0] and phrase[2] > phrase[3]


# expression -------------------------------------------------------------------------------------------------------

def _ensemble(bars: int = 8) -> list[Track]:
    violin = Track("violin", "melody", 40, instrument="violin")
    pad = Track("pad", "pad", 49, instrument="slow_strings")
    piano = Track("piano", "harmony", 0, instrument="piano")
    for bar in range(bars):
        b = bar * 4.0
        violin.notes += [Note(b, 2.0, 76, 100), Note(b + 2, 1.0, 74, 100), Note(b + 3, 1.0, 72, 100)]
        pad.notes += [Note(b, 4.0, p, 100) for p in (55, 60, 64)]
        piano.notes += [Note(b + k, 1.0, p, 100) for k in range(4) for p in (48, 55, 64)]
    return [violin, pad, piano]


def _chords(bars: int) -> list[ChordSpan]:
    return [ChordSpan(b * 4.0, 4.0, 0, 0, (0, 4, 7), "C") for b in range(bars)]


def test_strings_and_pads_swell_the_piano_does_not() -> None:
    sections = [Section("verse", 0.0, 16.0, 0.4), Section("chorus", 16.0, 16.0, 1.0)]
    score = perform(_score(_ensemble(), sections=sections, chords=_chords(8)), _style(), random.Random(0))
    violin, pad, piano = score.tracks
    for track in (violin, pad):
        cc11 = [c.value for c in track.controls if c.controller == 11]
        assert len(cc11) >= 8 and max(cc11) - min(cc11) >= 10
    assert any(c.controller == 1 and c.value > 20 for c in violin.controls)  # vibrato blooms on long notes
    assert not any(c.controller in (1, 11) for c in piano.controls)
    # the two bars before the chorus crescendo
    ramp = [c.value for c in pad.controls if c.controller == 11 and 8.0 <= c.time < 16.0]
    assert ramp and ramp[-1] >= 120 and ramp[-1] > ramp[0] + 15
    # modest event counts: nothing denser than an eighth of a beat
    times = sorted(c.time for c in violin.controls if c.controller == 11)
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.125 - 1e-3


def test_piano_pedals_with_the_chords() -> None:
    score = perform(_score(_ensemble(), chords=_chords(8)), _style(humanize_ms=8.0), random.Random(0))
    piano = score.tracks[2]
    pedal = [c for c in piano.controls if c.controller == 64]
    downs = [c.time for c in pedal if c.value == 127]
    ups = [c.time for c in pedal if c.value == 0]
    assert len(downs) == 8 and len(ups) == 8
    for bar, down in enumerate(downs):
        assert 0.0 < (down - bar * 4.0) * MS_PER_BEAT < 100.0  # just after the change
    for bar, up in enumerate(ups[:-1]):
        assert 0.0 < ((bar + 1) * 4.0 - up) * MS_PER_BEAT < 50.0  # just before the next
    assert not any(c.controller == 64 for t in score.tracks[:2] for c in t.controls)


# articulation -----------------------------------------------------------------------------------------------------

def test_legato_violin_overlaps_by_10_to_30_ms() -> None:
    violin = Track("violin", "melody", 40, instrument="violin",
                   notes=[Note(k * 1.0, 1.0, 72 + (k * 3) % 7, 100) for k in range(16)])
    score = perform(_score([violin], bars=4), _style(articulation="legato", humanize_ms=10.0), random.Random(2))
    notes = score.tracks[0].notes
    overlaps = [(a.start + a.duration - b.start) * MS_PER_BEAT for a, b in zip(notes, notes[1:])
                if a.pitch != b.pitch]
    assert overlaps and all(10.0 <= o <= 30.0 for o in overlaps), overlaps


def test_staccato_styles_clip_and_others_keep_the_written_length() -> None:
    def horns() -> Track:
        return Track("horns", "harmony", 61, instrument="brass",
                     notes=[Note(k + 0.5, 0.5, p, 100) for k in range(8) for p in (60, 64, 67)])

    short = perform(_score([horns()], bars=2), _style(articulation="staccato"), random.Random(0)).tracks[0]
    assert all(n.duration <= 0.5 * 0.5 + 1e-6 for n in short.notes)
    plain = perform(_score([horns()], bars=2), _style(), random.Random(0)).tracks[0]
    assert all(n.duration == pytest.approx(0.5, abs=1e-6) for n in plain.notes)


def test_guitar_strums_down_on_the_beat_and_up_off_it() -> None:
    guitar = Track("guitar", "harmony", 25, instrument="steel_guitar",
                   notes=[Note(k * 0.5, 0.45, p, 100 if k % 2 == 0 else 60) for k in range(8)
                          for p in (40, 47, 52, 56, 59, 64)])
    score = perform(_score([guitar], bars=1), _style(comp="strum"), random.Random(0))
    notes = score.tracks[0].notes
    for k in range(8):
        chord = sorted((n for n in notes if k * 0.5 - 0.01 <= n.start < k * 0.5 + 0.1), key=lambda n: n.start)
        assert len(chord) == 6
        pitches = [n.pitch for n in chord]
        assert pitches == (sorted(pitches) if k % 2 == 0 else sorted(pitches, reverse=True))
        spread = (chord[-1].start - chord[0].start) * MS_PER_BEAT
        assert 8.0 <= spread <= 25.0
    downs = [n.velocity for n in notes if abs(n.start % 1.0) < 0.1]
    ups = [n.velocity for n in notes if abs(n.start % 1.0 - 0.5) < 0.1]
    assert statistics.mean(ups) < statistics.mean(downs)


def test_fingerpicked_parts_are_not_strummed() -> None:
    guitar = Track("guitar", "harmony", 24, instrument="nylon_guitar",
                   notes=[Note(0.0, 1.0, p, 100) for p in (40, 47, 52)])
    score = perform(_score([guitar], bars=1), _style(comp="fingerpick"), random.Random(0))
    assert len({n.start for n in score.tracks[0].notes}) == 1


def test_rasgueado_rolls_into_the_accent() -> None:
    guitar = Track("guitar", "harmony", 24, instrument="nylon_guitar",
                   notes=[Note(t, 0.5, p, 127) for t in (0.0, 2.0) for p in (40, 45, 52, 57, 60)])
    score = perform(_score([guitar], bars=1), _style(comp="rasgueado"), random.Random(0))
    notes = score.tracks[0].notes
    second = [n for n in notes if 1.0 < n.start < 2.1]
    strokes = len(second) // 5
    assert 4 <= strokes <= 5 and len(second) % 5 == 0
    last = max(second, key=lambda n: n.start)
    assert last.start < 2.0 + 25.0 / MS_PER_BEAT  # the last stroke lands on the beat


# bends -----------------------------------------------------------------------------------------------------------

def _bend_at(track: Track, beat: float) -> int:
    value = 0
    for b in track.bends:
        if b.time <= beat + 1e-9:
            value = b.value
    return value


def test_guitar_bends_rise_into_notes_and_return_to_centre() -> None:
    lead = Track("lead", "melody", 29, instrument="overdrive_guitar",
                 notes=[Note(k * 2.0, 1.5, 64 + (k % 3) * 2, 100) for k in range(16)])
    score = perform(_score([lead]), _style(bends=frozenset({"guitar"}), humanize_ms=8.0), random.Random(1))
    track = score.tracks[0]
    assert track.bend_range == 2 and track.bends
    assert all(-8192 <= b.value <= 8191 for b in track.bends)
    assert track.bends[-1].value == 0
    starts = {round(b.time, 5) for b in track.bends}
    for n in track.notes:
        if round(n.start, 5) in starts:
            assert _bend_at(track, n.start) < 0  # sounded below, pushed up
            assert _bend_at(track, n.start + 0.5) == 0
        else:
            assert _bend_at(track, n.start) == 0


def test_808_glides_reach_the_next_pitch() -> None:
    written = [(b * 4.0 + t, d, p) for b in range(4) for t, d, p in ((0.0, 1.5, 36), (1.5, 1.0, 43), (2.5, 1.5, 36))]
    bass = Track("808", "bass", 39, instrument="sub_bass", notes=[Note(t, d, p, 100) for t, d, p in written])
    score = perform(_score([bass], bars=4), STYLES["trap"], random.Random(0))
    track = score.tracks[0]
    assert track.bend_range == 12
    assert len(track.notes) < len(written)  # a glided-to note merges into the note that slides to it
    played = {round(n.start, 4) for n in track.notes}
    for t, _, pitch in written:
        if round(t, 4) in played:
            assert _bend_at(track, t) == 0  # every note that is struck is struck at its own pitch
            continue
        carrier = max((n for n in track.notes if n.start < t), key=lambda n: n.start)
        assert carrier.start + carrier.duration >= t + 0.5  # the sliding note carries on as the new one
        expected = round((pitch - carrier.pitch) / 12 * 8192)
        assert _bend_at(track, t) == expected  # the glide has arrived by the new note's onset
        assert _bend_at(track, t - 0.3) != expected  # ... and took time to get there
    assert track.bends[-1].value == 0


@pytest.mark.parametrize("name", sorted(name for name, style in STYLES.items() if style.bends))
def test_every_style_with_bends_bends(name: str) -> None:
    style = STYLES[name]
    tracks = []
    for role, options in style.ensemble.items():
        if role in ("drums", "hand"):
            continue
        track = Track(role, role, 0, instrument=options[0])
        for bar in range(8):
            b = bar * 4.0
            if role in ("melody", "counter"):
                track.notes += [Note(b, 1.5, 67, 100), Note(b + 1.5, 0.5, 69, 100), Note(b + 2, 2.0, 72 - bar % 3, 100)]
            elif role == "bass":
                track.notes += [Note(b, 1.5, 36, 100), Note(b + 2, 1.0, 43, 100), Note(b + 3, 1.0, 41, 100)]
            else:
                track.notes += [Note(b, 4.0, p, 100) for p in (60, 64, 67)]
        tracks.append(track)
    score = perform(_score(tracks), style, random.Random(0))
    bent = [t for t in score.tracks if t.bends]
    assert bent, name
    for track in bent:
        assert all(-8192 <= b.value <= 8191 for b in track.bends) and track.bends[-1].value == 0


# the whole ------------------------------------------------------------------------------------------------------

def test_same_input_same_performance() -> None:
    def run() -> Score:
        tracks = _ensemble() + [_kit(8, ghosts=True), _bass(8)]
        return perform(_score(tracks, chords=_chords(8)), STYLES["neo_soul"], random.Random(9))

    a, b = run(), run()
    for ta, tb in zip(a.tracks, b.tracks):
        assert ta.notes == tb.notes and ta.controls == tb.controls and ta.bends == tb.bends
    c = perform(_score(_ensemble() + [_kit(8, ghosts=True), _bass(8)], chords=_chords(8)), STYLES["neo_soul"],
                random.Random(10))
    assert any(ta.notes != tc.notes for ta, tc in zip(a.tracks, c.tracks))


@pytest.mark.parametrize("name", sorted(STYLES))
def test_every_style_performs_a_valid_score(name: str) -> None:
    tracks = _ensemble(4) + [_kit(4, ghosts=True), _bass(4)]
    score = _score(tracks, bars=4, chords=_chords(4))
    score.loop = True
    perform(score, STYLES[name], random.Random(0))
    for track in score.tracks:
        assert all(0 <= n.start < score.length_beats and n.duration > 0 and 1 <= n.velocity <= 127
                   for n in track.notes)
        assert all(n.start + n.duration <= score.length_beats + 1e-6 for n in track.notes)
        assert all(0 <= c.value <= 127 and 0 <= c.time for c in track.controls)
        assert [c.time for c in track.controls] == sorted(c.time for c in track.controls)
