"""The mix as a listener hears it: mono-safe synth leads, balance, stems that never clip, bus processing, endings
that ring out, pitch bends."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrion.engines.composer.master import master
from orchestrion.engines.composer.mix import plan_mix
from orchestrion.engines.composer.render import render
from orchestrion.engines.composer.score import Bend, Control, Note, Score, Section, TempoChange, Track
from orchestrion.engines.composer.soundfont import SAMPLE_RATE, SoundFont
from orchestrion.engines.composer.stems import STEM_CEILING_DB, stem_gain

_CHORDS = ((0, 4, 7), (9, 12, 16), (5, 9, 12), (7, 11, 14))


def _score(tracks: list[Track], bars: int = 4, bpm: float = 124.0, *, production: frozenset[str] = frozenset(),
           tail: float = 1.0, style: str = "", fade_out: bool = False) -> Score:
    return Score(tempo=[TempoChange(0.0, bpm)], time_signature=(4, 4), key_tonic=0, key_mode="major", tracks=tracks,
                 sections=[Section("verse", 0.0, bars * 4.0, 0.7)], length_beats=bars * 4.0, tail_seconds=tail,
                 production=production, style=style, fade_out=fade_out)


def _melody(name: str, program: int, bars: int, *, velocity: int = 100, role: str = "melody", low: int = 72,
            **kw) -> Track:
    steps = (0, 2, 4, 7, 9, 7, 4, 2)
    notes = [Note(bar * 4.0 + k * 0.5, 0.45, low + steps[(bar + k) % 8], velocity) for bar in range(bars)
             for k in range(8)]
    return Track(name, role, program, notes=notes, **kw)


def _pad(name: str, program: int, bars: int, *, velocity: int = 80, role: str = "pad", **kw) -> Track:
    notes = [Note(bar * 4.0, 4.0, 60 + p, velocity) for bar in range(bars) for p in _CHORDS[bar % 4]]
    return Track(name, role, program, notes=notes, **kw)


def _bass(bars: int, program: int = 38) -> Track:
    notes = [Note(bar * 4.0 + k, 0.9, 36 + _CHORDS[bar % 4][0], 100) for bar in range(bars) for k in range(4)]
    return Track("bass", "bass", program, notes=notes, reverb=0.1)


def _kit(bars: int, *, four_on_the_floor: bool = True) -> Track:
    notes = []
    for bar in range(bars):
        for k in range(4):
            if four_on_the_floor or k % 2 == 0:
                notes.append(Note(bar * 4.0 + k, 0.25, 36, 110))
            if k % 2:
                notes.append(Note(bar * 4.0 + k, 0.25, 38, 105))
            notes.append(Note(bar * 4.0 + k + 0.5, 0.2, 42, 80))
    return Track("drums", "drums", 24, is_drums=True, notes=notes, reverb=0.2)


def _synth_band(bars: int = 4, production: frozenset[str] = frozenset(), lead: int = 81) -> Score:
    """A house/synthwave line-up: a saw (or square) lead, a square counter, poly pad, warm pad, synth bass, kit."""
    return _score([
        _melody("lead", lead, bars, chorus=0.25),
        _melody("square counter", 80, bars, role="counter", low=67, chorus=0.25, pan=-0.3),
        _pad("poly pad", 90, bars, chorus=0.3, reverb=0.6, pan=-0.2),
        _pad("warm pad", 89, bars, chorus=0.3, reverb=0.6, pan=0.3),
        _bass(bars),
        _kit(bars),
    ], bars, production=production, style="house")


def _correlation(audio: np.ndarray) -> float:
    left, right = audio[:, 0].astype(np.float64), audio[:, 1].astype(np.float64)
    return float(np.mean(left * right) / np.sqrt(np.mean(left**2) * np.mean(right**2)))


def _mono_loss_db(audio: np.ndarray) -> float:
    left, right = audio[:, 0].astype(np.float64), audio[:, 1].astype(np.float64)
    stereo = (np.mean(left**2) + np.mean(right**2)) / 2
    return float(10 * np.log10(stereo / np.mean(((left + right) / 2) ** 2)))


def _rms_db(audio: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(audio, dtype=np.float64)) + 1e-20))


def _windows_db(audio: np.ndarray, window: int) -> np.ndarray:
    frames = audio.shape[0] // window * window
    power = np.square(audio[:frames], dtype=np.float64).sum(axis=1).reshape(-1, window).mean(axis=1)
    return 10 * np.log10(power + 1e-20)


@pytest.fixture(scope="module", params=[81, 80], ids=["saw lead", "square lead"])
def synth_band(soundfont: SoundFont, request):
    return render(_synth_band(lead=request.param), soundfont)


def test_synth_leads_survive_a_mono_sum(synth_band):
    mix = synth_band.mix
    assert _correlation(mix) >= 0.2
    assert _mono_loss_db(mix) <= 3.0
    lead = synth_band.stems["lead"].audio()
    assert _correlation(lead) >= 0.6
    assert _mono_loss_db(lead) <= 1.0  # the tune is as loud on a phone as on headphones


def test_pads_keep_their_width(synth_band):
    for pad in ("poly pad", "warm pad"):
        assert _correlation(synth_band.stems[pad].audio()) < 0.95, pad


def test_a_chorus_send_adds_width_without_cancelling(soundfont):
    dry = render(_score([_pad("keys", 50, 2, role="harmony", chorus=0.0, reverb=0.0)], 2), soundfont).mix
    wet = render(_score([_pad("keys", 50, 2, role="harmony", chorus=1.0, reverb=0.0)], 2), soundfont).mix
    assert _correlation(wet) < _correlation(dry) - 0.05  # wider ...
    assert _mono_loss_db(wet) <= 2.0  # ... and still there in mono


def test_stereo_sampled_piano_lead_is_kept_near_mono(soundfont):
    piano = _melody("piano", 0, 4, low=72)
    stem = render(_score([piano]), soundfont).stems["piano"].audio()
    assert _correlation(stem) >= 0.5


def test_named_quiet_instruments_sit_near_the_lead(soundfont):
    bars = 4
    lead = _melody("saw lead", 81, bars)
    harp = _melody("harp", 46, bars, velocity=45, role="arp", low=60, named=True)
    clarinet = _melody("clarinet", 71, bars, velocity=60, role="counter", low=55, named=True)
    rendering = render(_score([lead, harp, clarinet, _pad("pad", 89, bars), _bass(bars), _kit(bars)], bars),
                       soundfont)
    music = slice(0, int(bars * 4 * 60 / 124 * SAMPLE_RATE))
    level = {name: _rms_db(stem.audio()[music]) for name, stem in rendering.stems.items()}
    for name in ("harp", "clarinet"):
        assert abs(level[name] - level["saw lead"]) <= 6.0, level


def test_bass_sits_under_the_comping(soundfont):
    bars = 4
    piano = _melody("piano", 0, bars)
    comping = _pad("guitar", 26, bars, role="harmony", velocity=70)
    bass = _bass(bars, program=32)
    bass.notes = [Note(n.start, n.duration, n.pitch, 120) for n in bass.notes]  # a loud walking bass
    rendering = render(_score([piano, comping, bass], bars, style="jazz"), soundfont)
    level = {name: _rms_db(stem.audio()) for name, stem in rendering.stems.items()}
    assert level["bass"] <= level["guitar"] + 1.0, level
    assert level["bass"] <= level["piano"], level


def test_plan_balances_patches_of_different_loudness(soundfont):
    bars = 2
    loud = _melody("saw", 81, bars)
    soft = _melody("harp", 46, bars, velocity=40, role="melody")
    score = _score([loud, soft], bars)
    plans = plan_mix(score, score.tracks, soundfont)
    assert plans[1].settings.volume > plans[0].settings.volume  # the quiet patch gets the higher fader
    assert abs(plans[0].level_db - plans[1].level_db) < 1.0


def test_no_stem_clips_at_the_masters_gain(soundfont):
    bars = 4
    kit = _kit(bars)
    kit.notes = [Note(n.start, n.duration, n.pitch, 127) for n in kit.notes]
    score = _score([_melody("flute", 73, bars, velocity=50), _pad("strings", 48, bars, velocity=40), kit], bars)
    rendering = render(score, soundfont)
    mastered = master(rendering.mix.copy(), SAMPLE_RATE)
    gain = stem_gain(rendering.stems.values(), 10 ** (mastered.gain_db / 20))
    expected = sum(stem.audio() for stem in rendering.stems.values()) * gain
    pcm = [stem.to_pcm16(gain) for stem in rendering.stems.values()]
    ceiling = 32768 * 10 ** (STEM_CEILING_DB / 20)
    assert max(int(np.abs(p.astype(np.int32)).max()) for p in pcm) <= ceiling + 1
    total = np.sum([p / 32768.0 for p in pcm], axis=0)
    np.testing.assert_allclose(total, expected, atol=len(pcm) * 2 / 32768)


def _envelope_at(audio: np.ndarray, frames: np.ndarray, offset_s: float, span_s: float = 0.02) -> float:
    start = (frames + int(offset_s * SAMPLE_RATE))[:, None] + np.arange(int(span_s * SAMPLE_RATE))[None, :]
    start = start[start[:, -1] < audio.shape[0]]
    return _rms_db(audio[start.ravel()])


def _kick_frames(score: Score, bars: int) -> np.ndarray:
    beat = 60 / score.tempo[0].bpm
    return np.round(np.arange(bars * 4) * beat * SAMPLE_RATE).astype(np.int64)[4:]


@pytest.mark.parametrize("hinted", [True, False])
def test_sidechain_ducks_the_music_on_the_kick(soundfont, hinted):
    bars = 4
    score = _score([_pad("pad", 89, bars, reverb=0.2, chorus=0.0), _kit(bars)], bars,
                   production=frozenset({"sidechain"}) if hinted else frozenset())
    pad = render(score, soundfont).stems["pad"].audio()
    kicks = _kick_frames(score, bars)
    dip = _envelope_at(pad, kicks, 0.03) - _envelope_at(pad, kicks, 0.40)
    if hinted:
        assert dip <= -4.0, dip
    else:
        assert abs(dip) < 1.5, dip


def test_drum_bus_lowers_the_drums_crest_factor(soundfont):
    bars = 4

    def crest(production: frozenset[str]) -> float:
        drums = render(_score([_kit(bars), _pad("pad", 89, bars)], bars, production=production),
                       soundfont).stems["drums"].audio()
        return 20 * np.log10(np.abs(drums).max()) - _rms_db(drums)

    assert crest(frozenset({"drum_bus"})) < crest(frozenset()) - 1.5


def test_amp_tames_a_distorted_guitars_fizz_and_leaves_the_piano(soundfont):
    bars = 2

    def stems(production: frozenset[str]) -> dict:
        guitar = _pad("guitar", 30, bars, role="harmony", velocity=110)
        guitar.notes = [Note(n.start, n.duration, n.pitch - 12, n.velocity) for n in guitar.notes]
        return render(_score([guitar, _melody("piano", 0, bars)], bars, production=production), soundfont).stems

    def fizz(audio: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(audio[:, 0].astype(np.float64))) ** 2
        freqs = np.fft.rfftfreq(audio.shape[0], 1 / SAMPLE_RATE)
        return float(spectrum[freqs > 6000].sum() / spectrum.sum())

    plain, amped = stems(frozenset()), stems(frozenset({"amp"}))
    assert fizz(amped["guitar"].audio()) < fizz(plain["guitar"].audio()) / 3
    assert amped["piano"].pcm.tobytes() == plain["piano"].pcm.tobytes()


def test_gated_reverb_cuts_the_snare_tail(soundfont):
    bars = 4
    kit = Track("drums", "drums", 24, is_drums=True, reverb=0.0,
                notes=[Note(bar * 4.0 + 1, 0.25, 38, 110) for bar in range(bars)])
    score = _score([kit], bars, bpm=90, production=frozenset({"gated"}))
    gated = render(score, soundfont).stems["drums"].audio()
    plain = render(_score([kit], bars, bpm=90), soundfont).stems["drums"].audio()
    hits = np.round(np.array([(bar * 4 + 1) * 60 / 90 for bar in range(bars)]) * SAMPLE_RATE).astype(np.int64)
    # a big room right after the hit, nothing of it a little later
    assert _envelope_at(gated, hits, 0.15, 0.05) > _envelope_at(plain, hits, 0.15, 0.05) + 6
    assert _envelope_at(gated, hits, 0.45, 0.1) < _envelope_at(plain, hits, 0.45, 0.1) + 3


def test_bus_processing_keeps_stems_summing_to_the_mix(soundfont):
    score = _synth_band(2, frozenset({"sidechain", "drum_bus", "gated"}))
    score.tracks.append(_pad("guitar", 30, 2, role="harmony"))
    score.production = frozenset(score.production | {"amp"})
    rendering = render(score, soundfont)
    total = np.sum([stem.audio() for stem in rendering.stems.values()], axis=0)
    np.testing.assert_allclose(total, rendering.mix, atol=8 * np.abs(rendering.mix).max() / 32767)
    again = render(score, soundfont, stems=False)
    assert again.mix.tobytes() == rendering.mix.tobytes()  # the same with or without stems, and every time


def _ending(fade_out: bool) -> Score:
    bars = 3
    pad = _pad("strings", 48, bars)
    pad.notes += [Note(bars * 4.0, 12.0, 60 + p, 90) for p in (0, 4, 7)]  # the final chord, held past the end
    piano = _melody("piano", 0, bars)
    piano.notes.append(Note(bars * 4.0, 12.0, 48, 100))
    piano.controls = [Control(0.0, 64, 127)]  # pedal down throughout
    return _score([pad, piano, _kit(bars)], bars + 1, bpm=120, tail=2.5, fade_out=fade_out)


def test_an_ending_rings_out_without_a_fade(soundfont):
    score = _ending(fade_out=False)
    rendering = render(score, soundfont)
    out = master(rendering.mix.copy(), SAMPLE_RATE).audio
    last = _windows_db(out[-SAMPLE_RATE:], SAMPLE_RATE // 10)
    assert np.all(np.diff(last[:-1]) <= 0.5), last  # every 100 ms quieter than the one before (the last: taper)
    assert last[0] - last[-2] >= 12, last
    held = _rms_db(rendering.mix[-int(3.5 * SAMPLE_RATE) : -int(3.0 * SAMPLE_RATE)])
    assert _rms_db(rendering.mix[-SAMPLE_RATE // 5 :]) < held - 20  # the chord was let go, not cut


def test_fade_out_fades_the_held_ending(soundfont):
    score = _ending(fade_out=True)
    rendering = render(score, soundfont)
    held = _rms_db(rendering.mix[-int(3.5 * SAMPLE_RATE) : -int(3.0 * SAMPLE_RATE)])
    assert _rms_db(rendering.mix[-int(1.0 * SAMPLE_RATE) : -int(0.5 * SAMPLE_RATE)]) > held - 8  # still sounding
    out = master(rendering.mix.copy(), SAMPLE_RATE, fade_out=True).audio
    last = _windows_db(out[-int(1.5 * SAMPLE_RATE) :], SAMPLE_RATE // 10)
    assert last[0] - last[-1] >= 30 and np.all(np.diff(last) <= 0.5), last


def _pitch(audio: np.ndarray) -> float:
    """The fundamental (Hz), by harmonic product spectrum: a flute's second partial can outweigh its first."""
    signal = audio[:, 0].astype(np.float64)
    spectrum = np.abs(np.fft.rfft((signal - signal.mean()) * np.hanning(len(signal)), 1 << 18))
    freqs = np.fft.rfftfreq(1 << 18, 1 / SAMPLE_RATE)
    usable = len(spectrum) // 3
    product = spectrum[:usable] * spectrum[::2][:usable] * spectrum[::3][:usable]
    product[freqs[:usable] < 100] = 0
    return float(freqs[np.argmax(product)])


@pytest.mark.parametrize(("bend_range", "value"), [(2, 8191), (12, -4096), (2, 0)])
def test_pitch_bends_move_the_sounding_pitch(soundfont, bend_range, value):
    flute = Track("flute", "melody", 73, notes=[Note(0.0, 8.0, 69, 100)], bends=[Bend(4.0, value)],
                  bend_range=bend_range)
    mix = render(_score([flute], 2, bpm=120, tail=0.5), soundfont).mix
    before, after = _pitch(mix[SAMPLE_RATE // 2 : 2 * SAMPLE_RATE]), _pitch(mix[5 * SAMPLE_RATE // 2 : 4 * SAMPLE_RATE])
    assert before == pytest.approx(440.0, rel=0.01)
    assert after == pytest.approx(440.0 * 2 ** (bend_range * value / 8192 / 12), rel=0.01)


def test_patch_levels_do_not_depend_on_what_was_measured_with_them(soundfont):
    other = SoundFont()
    try:
        alone = other.levels([(0, 46, False, 60)])[(0, 46, False, 60)]
        together = soundfont.levels([(0, 46, False, 60), (0, 81, False, 72), (128, 0, True, 36)])
    finally:
        other.close()
    assert alone.energy.tobytes() == together[(0, 46, False, 60)].energy.tobytes()
    assert alone.mid == together[(0, 46, False, 60)].mid


def test_processed_mixes_are_the_same_bytes_in_every_worker(soundfont):
    def job(font: SoundFont):
        score = _synth_band(2, frozenset({"sidechain", "drum_bus", "gated", "amp"}))
        score.tracks.append(_pad("guitar", 30, 2, role="harmony"))
        score.tracks[0].bends = [Bend(2.0, 3000), Bend(3.0, 0)]
        return render(score, font)

    first = job(soundfont)
    render(_score([_melody("other", 11, 2)], 2, production=frozenset({"hall"})), soundfont)  # another job between
    fresh = SoundFont()  # a new worker measures its levels afresh
    try:
        second = job(fresh)
    finally:
        fresh.close()
    assert first.mix.tobytes() == second.mix.tobytes()
    assert all(a.pcm.tobytes() == b.pcm.tobytes() for a, b in zip(first.stems.values(), second.stems.values()))
    assert first.settings == second.settings
