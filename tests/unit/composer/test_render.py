"""Render stage: shape, stems that sum to the mix, byte-identical repeats, loops, many tracks, and the split of
the tracks between two render passes by what each costs."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from orchestrion.engines.composer.calibrate import measure_levels
from orchestrion.engines.composer.mix import plan_mix, voice_seconds
from orchestrion.engines.composer import render as render_module
from orchestrion.engines.composer.render import _halves, beats_to_seconds, render, stem_settings
from orchestrion.engines.composer.score import Control, Note, Score, TempoChange, Track
from orchestrion.engines.composer.soundfont import SAMPLE_RATE, SoundFont, Synth

from .conftest import make_score


def _rms_db(audio: np.ndarray) -> float:
    return 10 * np.log10(np.mean(np.square(audio, dtype=np.float64)) + 1e-20)


def test_render_is_48k_stereo_float_of_the_scores_length(soundfont):
    score = make_score(bars=2, bpm=120.0, tail_seconds=1.5)
    rendering = render(score, soundfont)
    assert rendering.sample_rate == SAMPLE_RATE == 48_000
    assert rendering.mix.dtype == np.float32 and rendering.mix.ndim == 2 and rendering.mix.shape[1] == 2
    # 2 bars of 4/4 at 120 BPM = 4 s, plus the 1.5 s release tail
    assert rendering.mix.shape[0] == round(5.5 * SAMPLE_RATE)
    assert np.isfinite(rendering.mix).all()
    assert _rms_db(rendering.mix) > -40, "the render is (nearly) silent"
    assert np.abs(rendering.mix).max() < 1.0


def test_stems_sum_to_the_mix_one_per_track(soundfont):
    score = make_score(bars=2)
    rendering = render(score, soundfont)
    assert list(rendering.stems) == [t.name for t in score.tracks]
    stems = {name: stem.audio() for name, stem in rendering.stems.items()}
    total = np.sum(list(stems.values()), axis=0)
    # each stem is 16-bit per block of frames: the sum is the mix to within a few steps of the loudest stem
    np.testing.assert_allclose(total, rendering.mix, atol=4 * np.abs(rendering.mix).max() / 32767)
    for name, stem in stems.items():
        assert stem.shape == rendering.mix.shape
        assert _rms_db(stem) > -60, f"stem {name} is silent"


def test_each_stem_carries_its_own_share_of_the_room(soundfont):
    score = make_score(bars=2)
    dry_track = next(t for t in score.tracks if t.name == "bass")
    wet_track = next(t for t in score.tracks if t.name == "strings")
    dry_track.reverb, wet_track.reverb = 0.0, 1.0
    rendering = render(score, soundfont)
    end = round(4.0 * SAMPLE_RATE)  # after the last beat only release and room are left
    tail = {name: _rms_db(stem.audio(end)) - _rms_db(stem.audio(0, end)) for name, stem in rendering.stems.items()}
    assert tail["strings"] > tail["bass"] + 6, tail


def test_stems_are_separate_instruments(soundfont):
    score = make_score(bars=2)
    stems = {name: stem.audio() for name, stem in render(score, soundfont).stems.items()}
    # the bass stem holds low notes only; the melody (flute, C5 and up) holds almost no energy below 200 Hz
    spectrum = {name: np.abs(np.fft.rfft(stems[name][:, 0])) ** 2 for name in ("bass", "melody")}
    freqs = np.fft.rfftfreq(stems["bass"].shape[0], 1 / SAMPLE_RATE)
    low = freqs < 200
    assert spectrum["bass"][low].sum() / spectrum["bass"].sum() > 0.5
    assert spectrum["melody"][low].sum() / spectrum["melody"].sum() < 0.05


def test_same_score_renders_byte_identical_across_jobs_and_engines(soundfont):
    first = render(make_score(bars=2, seed=3), soundfont)
    render(make_score(bars=3, seed=9), soundfont)  # a different job in between must leave no trace
    second = render(make_score(bars=2, seed=3), soundfont)
    assert first.mix.tobytes() == second.mix.tobytes()
    other = SoundFont()
    try:
        third = render(make_score(bars=2, seed=3), other)
    finally:
        other.close()
    assert first.mix.tobytes() == third.mix.tobytes()
    assert first.stems["strings"].pcm.tobytes() == third.stems["strings"].pcm.tobytes()


def test_different_scores_sound_different(soundfont):
    a = render(make_score(bars=2, seed=1), soundfont).mix
    b = render(make_score(bars=2, seed=2), soundfont).mix
    assert not np.array_equal(a, b)


def test_release_tail_rings_and_dies_out(soundfont):
    score = make_score(bars=2, tail_seconds=2.0)
    mix = render(score, soundfont).mix
    music_end = round(4.0 * SAMPLE_RATE)
    # notes ring past the last beat (release + reverb) ...
    assert _rms_db(mix[music_end : music_end + SAMPLE_RATE // 4]) > -70
    # ... and have faded to near silence by the end, so the file does not end on a click
    assert np.abs(mix[-480:]).max() < 0.02


def test_more_tracks_than_midi_channels(soundfont):
    score = make_score(bars=1, extra_tracks=16)  # 19 melodic tracks + drums
    rendering = render(score, soundfont)
    assert len(rendering.stems) == 20
    silent = [name for name, stem in rendering.stems.items() if _rms_db(stem.audio()) < -70]
    assert silent == []


def test_loop_has_no_tail_and_wraps_its_ring_onto_the_start(soundfont):
    score = make_score(bars=2, loop=True)
    mix = render(score, soundfont).mix
    assert mix.shape[0] == round(4.0 * SAMPLE_RATE)
    # the last notes' release sounds at the very start (before the first attack there is only wrapped tail)
    plain = render(make_score(bars=2, loop=False), soundfont).mix
    assert np.abs(mix[:64]).max() > np.abs(plain[:64]).max()


def test_stems_can_be_skipped_without_changing_the_mix(soundfont):
    with_stems = render(make_score(bars=1), soundfont)
    without = render(make_score(bars=1), soundfont, stems=False)
    assert without.stems == {}
    assert with_stems.mix.tobytes() == without.mix.tobytes()


def test_an_empty_score_renders_silence(soundfont):
    score = Score(tempo=[TempoChange(0.0, 100.0)], time_signature=(4, 4), key_tonic=0, key_mode="major",
                  tracks=[Track("piano", "harmony", 0)], length_beats=4.0, tail_seconds=1.0)
    rendering = render(score, soundfont)
    assert rendering.mix.shape == (round(3.4 * SAMPLE_RATE), 2)
    assert not rendering.mix.any()


def test_out_of_range_notes_are_ignored_not_fatal(soundfont):
    track = Track("piano", "harmony", 0, notes=[Note(0.0, 1.0, 60, 90), Note(1.0, 1.0, 200, 90),
                                                Note(1.0, 0.0, 64, 90), Note(-1.0, 1.0, 62, 0)])
    score = Score(tempo=[TempoChange(0.0, 120.0)], time_signature=(4, 4), key_tonic=0, key_mode="major",
                  tracks=[track], length_beats=2.0, tail_seconds=1.0)
    assert _rms_db(render(score, soundfont).mix) > -50


def test_tempo_map_places_notes_in_time():
    score = Score(tempo=[TempoChange(0.0, 120.0), TempoChange(4.0, 60.0)], time_signature=(4, 4),
                  key_tonic=0, key_mode="major", tracks=[])
    seconds = beats_to_seconds(score, np.array([0.0, 2.0, 4.0, 5.0, 6.5]))
    np.testing.assert_allclose(seconds, [0.0, 1.0, 2.0, 3.0, 4.5])
    assert [score.seconds_at(b) for b in (2.0, 5.0)] == [1.0, 3.0]


def test_stem_settings_map_track_to_general_midi():
    drums = stem_settings(Track("drums", "drums", 25, is_drums=True, reverb=0.9))
    assert (drums.channel, drums.bank, drums.program) == (9, 128, 25)
    assert drums.reverb <= round(0.35 * 127)  # reverb on the kit is capped
    bass = stem_settings(Track("bass", "bass", 33, pan=-1.0, volume=1.0, reverb=0.5))
    assert (bass.channel, bass.pan, bass.volume) == (0, 64, 127)  # the low end stays in the middle
    assert bass.reverb <= round(0.15 * 127)
    keys = stem_settings(Track("keys", "harmony", 0, pan=-1.0))
    assert keys.pan == 0
    dry = stem_settings(Track("piano", "harmony", 0, reverb=0.5), frozenset({"dry"}))
    wet = stem_settings(Track("piano", "harmony", 0, reverb=0.5), frozenset({"hall"}))
    assert dry.reverb < wet.reverb


def test_a_patch_measures_the_same_alone_and_in_a_crowded_batch():
    """What a worker measures of a patch must not depend on what it measured beside it: a patch late in a batch of
    many once lost its release and voices to the notes probed before it (the same request then mixed differently on
    a worker that had met other instruments first)."""
    fresh = SoundFont()  # nothing measured yet
    try:
        alone = measure_levels(fresh, [(0, 73, False, 72)])[(0, 73, False, 72)]
        crowd = [(0, program, False, 60) for program in range(40)] + [(0, 73, False, 72)]
        among = measure_levels(fresh, crowd)[(0, 73, False, 72)]
    finally:
        fresh.close()
    assert alone.voices >= 1 and alone.release > 0.1
    assert (among.voices, among.release, among.envelope, among.looped) == (
        alone.voices, alone.release, alone.envelope, alone.looped)


def _voice_seconds_played(score: Score, track: Track, soundfont: SoundFont) -> float:
    """Voice-seconds FluidSynth really spends on ``track``: its active voices counted block by block."""
    plans = plan_mix(score, [track], soundfont)
    played = [0.0]
    process = Synth.process

    def counting(synth: Synth, frames: int, *args: int) -> None:
        played[0] += synth.active_voices * frames / SAMPLE_RATE
        process(synth, frames, *args)

    Synth.process = counting
    try:
        render(dataclasses.replace(score, tracks=[track]), soundfont, stems=False, plans=plans)
    finally:
        Synth.process = process
    return played[0]


def test_render_cost_estimate_follows_the_voices_fluidsynth_plays(soundfont):
    """The two render passes are split by each track's estimated voice-seconds: a held pad, plucked notes that
    die by themselves, a piano and a drum kit are each estimated within a factor of 1.6 of what FluidSynth plays."""
    score = make_score(bars=8, bpm=100)
    plucked = Track("pizzicato", "harmony", 45, notes=[Note(start=b * 2.0, duration=0.5, pitch=60 + b % 5 * 2,
                                                            velocity=90) for b in range(16)])
    piano = Track("piano", "harmony", 0, notes=[Note(start=b * 1.0, duration=0.9, pitch=55 + b % 12,
                                                     velocity=80) for b in range(32)])
    for track in [t for t in score.tracks if t.role in ("pad", "drums")] + [plucked, piano]:
        estimate = voice_seconds(score, track, stem_settings(track, score.production), soundfont)
        played = _voice_seconds_played(score, track, soundfont)
        assert played > 1.0, track.name
        assert 1 / 1.6 < estimate / played < 1.6, (track.name, estimate, played)


def test_render_passes_split_the_work_evenly_and_keep_the_drums_together(soundfont):
    score = make_score(bars=8, extra_tracks=4)
    plans = plan_mix(score, score.tracks, soundfont)
    halves = _halves(score, plans, soundfont)
    assert sorted(i for half in halves for i in half) == list(range(len(score.tracks)))
    drums = {i for i, t in enumerate(score.tracks) if t.is_drums}
    assert any(drums <= set(half) for half in halves)
    work = [sum(voice_seconds(score, score.tracks[i], plans[i].settings, soundfont) for i in half)
            for half in halves]
    units = [voice_seconds(score, t, p.settings, soundfont) for t, p in zip(score.tracks, plans)]
    # no better split exists than the one chosen (the most even of all, with the drums as one part)
    assert abs(work[0] - work[1]) <= max(units) + 1e-9


def _pad_note_score(*, pedal_up: float | None = None, stabs: int = 0) -> Score:
    """A warm pad alone and dry: one note held two beats at 120 bpm (or ``stabs`` short notes, one per beat),
    the pedal down from the start until ``pedal_up`` (beats) where given, and eight seconds for the release."""
    notes = ([Note(start=float(b), duration=0.25, pitch=(57, 60, 64, 67)[b % 4], velocity=96) for b in range(stabs)]
             if stabs else [Note(start=0.0, duration=2.0, pitch=60, velocity=100)])
    controls = [Control(0.0, 64, 127), Control(pedal_up, 64, 0)] if pedal_up is not None else []
    # played as a bass part: the mix sends nothing of it to the effects, so the voices are all one hears
    pad = Track("pad", "bass", 89, notes=notes, controls=controls, reverb=0.0, chorus=0.0, volume=1.0)
    length = float(max(stabs, 2))
    return Score(tempo=[TempoChange(0.0, 120.0)], time_signature=(4, 4), key_tonic=0, key_mode="major",
                 tracks=[pad], length_beats=length, tail_seconds=8.0, production=frozenset({"dry"}))


def _render_with_whole_tails(score: Score, soundfont: SoundFont, monkeypatch) -> np.ndarray:
    """The mix as FluidSynth alone would play it: every released voice rendered to the end of its release."""
    with monkeypatch.context() as patch:
        patch.setattr(render_module._Tails, "_WORTH_S", math.inf)
        return render(score, soundfont, stems=False).mix


def _first_difference(a: np.ndarray, b: np.ndarray) -> int:
    differs = np.flatnonzero(np.any(a != b, axis=1))
    assert differs.size, "the renders are identical"
    return int(differs[0])


def test_a_released_voice_is_ended_60_db_under_where_its_release_began(soundfont, monkeypatch):
    """FluidSynth renders a released voice for its whole release (96 dB); the render ends each voice of the note
    60 dB down, after fading it over one block: the same samples until the first ends, silence after the last."""
    score = _pad_note_score()
    whole = _render_with_whole_tails(score, soundfont, monkeypatch)
    ended = render(score, soundfont, stems=False).mix
    note_off = SAMPLE_RATE  # two beats at 120 bpm
    first = _first_difference(whole, ended)
    assert first > note_off + SAMPLE_RATE // 2  # the release sounds first
    def sounding_until(audio: np.ndarray) -> int:  # the end of anything above -140 dBFS
        return int(np.flatnonzero(np.abs(audio).max(axis=1) > 1e-7)[-1]) + 1

    last = sounding_until(ended)
    assert sounding_until(whole) - last > SAMPLE_RATE // 2  # FluidSynth alone renders the voices on for longer
    window = SAMPLE_RATE // 100
    assert _rms_db(whole[note_off : note_off + window]) - _rms_db(whole[last - 2 * window : last - window]) >= 58.0
    # no click: what each voice left as it went is no louder than what it played the block before
    assert np.abs(ended[first : first + 64]).max() <= 1.01 * np.abs(whole[first - 64 : first]).max()


def test_a_voice_held_by_the_pedal_is_ended_only_after_the_pedal_lifts(soundfont, monkeypatch):
    free = _pad_note_score()
    held = _pad_note_score(pedal_up=6.0)  # the note lets go at 1 s, the pedal at 3 s
    cut_free = _first_difference(_render_with_whole_tails(free, soundfont, monkeypatch),
                                 render(free, soundfont, stems=False).mix)
    cut_held = _first_difference(_render_with_whole_tails(held, soundfont, monkeypatch),
                                 render(held, soundfont, stems=False).mix)
    # the same release, counted from the pedal's lift instead of the note-off (within a block)
    assert abs((cut_held - cut_free) - 2 * SAMPLE_RATE) <= 2 * 64


def test_ending_released_voices_early_keeps_far_fewer_voices_sounding_and_the_same_music(soundfont, monkeypatch):
    """A pad stabbed on every beat: its long release stacks up voices 60-96 dB under the newest stabs. Ended there,
    over a fifth of the voice-seconds go, and what is left differs from FluidSynth's own rendering only far under the
    music (where the ends were, and in the first block of a note whose voice slot another note had just left)."""
    score = _pad_note_score(stabs=16)
    track = score.tracks[0]
    ended = _voice_seconds_played(score, track, soundfont)
    with monkeypatch.context() as patch:
        patch.setattr(render_module._Tails, "_WORTH_S", math.inf)
        whole = _voice_seconds_played(score, track, soundfont)
    assert ended < 0.8 * whole, (ended, whole)
    a = _render_with_whole_tails(score, soundfont, monkeypatch)
    b = render(score, soundfont, stems=False).mix
    assert _rms_db(a - b) - _rms_db(a) < -50.0


def test_a_legato_or_mono_controller_leaves_every_release_of_its_pass_whole(soundfont, monkeypatch):
    """FluidSynth does not number legato and mono note-ons, so past such a controller the ends could not find their
    notes' voices: the pass renders as FluidSynth alone would (a held pad beside a legato lead keeps sounding)."""
    score = _pad_note_score(stabs=8)
    lead = Track("lead", "melody", 80, notes=[Note(start=float(b), duration=1.5, pitch=72 + b % 3, velocity=90)
                                              for b in range(8)], controls=[Control(0.0, 68, 127)], reverb=0.0)
    score = dataclasses.replace(score, tracks=[*score.tracks, lead])
    plans = plan_mix(score, score.tracks, soundfont)
    length, frames = render_module.rendered_frames(score)

    def one_pass() -> np.ndarray:  # both parts on one synthesizer, as a render pass plays them
        mix = np.zeros((frames, 2), np.float32)
        render_module._render_tracks(score, score.tracks, plans, soundfont, mix, False, frames,
                                     render_module._release_frame(score, length))
        return mix

    ended = one_pass()
    with monkeypatch.context() as patch:
        patch.setattr(render_module._Tails, "_WORTH_S", math.inf)
        assert np.array_equal(ended, one_pass())


def test_a_probe_that_starts_no_voice_says_so_and_keeps_the_note_numbering(soundfont):
    with soundfont.synth() as synth:
        assert synth.note_voices(9, 38, 100) > 0  # a snare
        assert synth.note_voices(9, 1, 100) == 0  # no drum on key 1: not the snare's voices again
        synth.note_on(9, 38, 100)
        voices = synth.note_voices_of(synth.last_note_id, 9, 38)
        assert voices and all(synth.voice_is(voice, synth.last_note_id) for voice in voices)


def test_lent_soundfonts_render_the_same_bytes_as_freshly_read_ones_and_say_nothing(soundfont, capfd, monkeypatch):
    """The parsed SoundFont is kept and lent to one synthesizer at a time (reading it costs ~70 ms a synth): the
    audio is byte-identical to synthesizers that read the file themselves, and lending it back prints nothing."""
    score = make_score(bars=2, seed=3)
    capfd.readouterr()
    lent = render(score, soundfont)
    assert capfd.readouterr().err == ""
    with monkeypatch.context() as patch:  # every synthesizer reads the file itself
        patch.setattr(soundfont, "synth", lambda *, channels=16, groups=1: Synth(soundfont.path, channels=channels,
                                                                                   groups=groups))
        own = render(score, soundfont)
    assert np.array_equal(lent.mix, own.mix)
    assert all(np.array_equal(lent.stems[name].to_pcm16(1.0), own.stems[name].to_pcm16(1.0)) for name in lent.stems)
    idle = len(soundfont._fonts)
    with pytest.raises(ValueError):  # a synthesizer that cannot start hands its SoundFont back, once
        soundfont.synth(groups=0)
    assert len(soundfont._fonts) == idle
    with soundfont.synth() as first, soundfont.synth() as second, soundfont.synth() as third:  # never one shared
        assert len({first._font, second._font, third._font} - {None}) == 3
    assert len(soundfont._fonts) == 2  # and no more than a job's two are kept idle
